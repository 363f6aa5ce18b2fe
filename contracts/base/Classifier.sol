// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {WalletStorage} from "./WalletStorage.sol";
import {Hot, Words} from "../libraries/Words.sol";

/// @title Classifier
/// @notice Values an intent in the reference currency and classifies it into a tier. `spend` and `preview`
/// both call `_classify`, so the view and the payment path cannot disagree.
abstract contract Classifier is WalletStorage {
    /// @dev Classifies an intent. Reverts on invalid input (the same errors for `spend` and `preview`);
    /// never reverts for a prohibited intent. Semantics, in order: prohibited category, blocked recipient,
    /// prohibited trust; then the tiers in order, the first whose conditions all hold wins; else unmatched, which
    /// goes to Prohibited or to Collaborative, then counted against (and blocked when it would exceed) the
    /// collaborative tier's frequency and budget. An intent bound for a queued tier is blocked
    /// (TooManyOpenIntents) when its agent already has the policy's maximum of open intents.
    /// Fast path: when the autonomous tier allows the category, the category is defined and not prohibited
    /// (setters keep tier and prohibited categories disjoint), so the cold settings word is not read.
    /// @return d the verdict in `IntentSubmitted.details` layout (category, reason, misses, tier, budgeted, value;
    /// no version or timing yet)
    /// @return agentWord the agent's counters with the matched tier's frequency window advanced and, for a queued
    /// tier, one more open intent (nonce untouched)
    /// @return budgetWord the matched tier's budget word with the value added (when d's budgeted bit is set)
    function _classify(
        Hot h,
        bytes32 agentId,
        address token,
        uint256 amount,
        address recipient,
        uint8 category
    ) internal view returns (uint256 d, uint256 agentWord, uint256 budgetWord) {
        // Paused, category and trust bits are read raw here: through the `Hot` accessors this path costs 39 gas more
        // (measured with bench:gas), and the autonomous payment has no such slack.
        if (Hot.unwrap(h) & 1 != 0) revert TierGuardPaused();
        if (amount == 0) revert TierGuardZeroAmount();
        if (recipient == address(0) || recipient == address(this)) revert TierGuardInvalidRecipient(recipient);
        uint256 trust = uint8(_trust[recipient]);
        agentWord = _agents[agentId];
        d = category;
        uint256 s;
        uint256 value;
        uint256 miss;
        uint256 advanced;
        if ((Hot.unwrap(h) >> (Words.H_CATEGORIES + category)) & 1 != 0) {
            // Fast path: the autonomous tier allows the category (ids >= 64 shift out to 0 and take the slow path).
            miss = _prohibitedByTrust(h, trust);
            if (miss != 0) return (_blocked(d, miss, token, amount), agentWord, 0);
            value = _value(token, amount);
            d |= value << Words.D_VALUE;
            (miss, advanced, budgetWord) = _check(
                0,
                value,
                trust,
                h.autonomousBudget(),
                h.maxValue(),
                h.minTrust(),
                h.maxCount(),
                h.period(),
                agentWord
            );
            if (miss == 0) return (d | (budgetWord == 0 ? 0 : Words.D_BUDGETED_BIT), advanced, budgetWord);
            d |= miss << Words.D_MISSES;
            s = _settings;
        } else {
            if (category >= MAX_CATEGORIES) revert TierGuardUnknownCategory(category);
            s = _settings;
            // A category some tier or the prohibited list names is defined; otherwise ask the defined set.
            uint256 named =
                (s >> Words.S_PROHIBITED_CATEGORIES) |
                    (s >> Words.S_TIER_CATEGORIES) |
                    (s >> (Words.S_TIER_CATEGORIES + 64));
            if ((named >> category) & 1 == 0 && (_definedCategories >> category) & 1 == 0) {
                revert TierGuardUnknownCategory(category);
            }
            // Prohibited checks come first and need no price: a blocked attempt is recorded, never reverted.
            miss =
                (s >> (Words.S_PROHIBITED_CATEGORIES + category)) & 1 != 0
                    ? uint8(Reason.CategoryProhibited)
                    : _prohibitedByTrust(h, trust);
            if (miss != 0) return (_blocked(d, miss, token, amount), agentWord, 0);
            value = _value(token, amount);
            d |= (value << Words.D_VALUE) | (uint256(uint8(Reason.CategoryNotAllowed)) << Words.D_MISSES);
        }
        return _queuedTiers(d, s, category, value, trust, agentWord);
    }

    /// @dev The tiers after Autonomous (the caller put the autonomous miss in `d`), then the unmatched policy and the
    /// open-intents bound. Kept out of `_classify` so that the autonomous fast path keeps its variables on the stack.
    function _queuedTiers(
        uint256 d,
        uint256 s,
        uint256 category,
        uint256 value,
        uint256 trust,
        uint256 agentWord
    ) private view returns (uint256, uint256, uint256 budgetWord) {
        uint256 miss;
        uint256 advanced;
        uint256 t = 1;
        uint256 reason;
        for (;; ++t) {
            // Pass 3 escalates an unmatched intent into Collaborative, unless the policy prohibits unmatched intents:
            // that tier's frequency and budget hold on this path too (not its categories, amount or trust, which
            // are what left the intent unmatched).
            uint256 tier = t;
            if (t == 3) {
                reason = uint8(Reason.NoTierMatched);
                if ((s >> Words.S_UNMATCHED) & Words.M8 == uint8(Tier.Prohibited)) break;
                tier = 2;
            }
            miss = uint8(Reason.CategoryNotAllowed);
            if (t == 3 || (s >> (Words.S_TIER_CATEGORIES + 64 * (t - 1) + category)) & 1 != 0) {
                uint256 rules = _tiers[tier];
                (miss, advanced, budgetWord) = _check(
                    tier,
                    value,
                    trust,
                    (s >> (Words.S_BUDGET_TIERS + tier)) & 1 != 0,
                    t == 3 ? type(uint64).max : uint64(rules >> 64),
                    t == 3 ? 0 : uint8(rules >> 248),
                    uint32(rules >> 128),
                    uint32(rules >> 160),
                    agentWord
                );
                if (miss == 0) break;
            }
            if (t == 3) {
                reason = miss;
                break;
            }
            d |= miss << (Words.D_MISSES + 4 * t);
        }
        if (t == 3) {
            if (reason != uint8(Reason.NoTierMatched) || miss != 0) {
                // unmatched intents prohibited, or the escalation would exceed collaborative's frequency or budget
                return (d | (reason << Words.D_REASON) | (uint256(uint8(Tier.Prohibited)) << Words.D_TIER), agentWord, 0);
            }
            t = 2;
        }
        // A queued tier: the agent's open intents are bounded so that it cannot flood the owners' queue.
        if ((agentWord >> Words.A_OPEN) & Words.M16 >= (s >> Words.S_MAX_OPEN) & Words.M16) {
            reason = uint8(Reason.TooManyOpenIntents);
            return (d | (reason << Words.D_REASON) | (uint256(uint8(Tier.Prohibited)) << Words.D_TIER), agentWord, 0);
        }
        d |= (reason << Words.D_REASON) | (t << Words.D_TIER) | (trust << Words.D_TRUST);
        if (budgetWord != 0) d |= Words.D_BUDGETED_BIT | ((budgetWord >> Words.B_EPOCH) << Words.D_EPOCH);
        unchecked {
            // open < maxOpen <= 65535, so the 16-bit field cannot overflow
            return (d, advanced + (uint256(1) << Words.A_OPEN), budgetWord);
        }
    }

    /// @dev The Reason code (0 = not prohibited) for a recipient's trust level.
    function _prohibitedByTrust(Hot h, uint256 trust) private pure returns (uint256) {
        if (trust == uint8(Trust.Blocked)) return uint8(Reason.RecipientBlocked);
        if ((Hot.unwrap(h) >> (Words.H_PROHIBITED_TRUST + trust)) & 1 != 0) return uint8(Reason.TrustProhibited);
        return 0;
    }

    function _blocked(uint256 d, uint256 reason, address token, uint256 amount) private view returns (uint256) {
        return
            d |
            (reason << Words.D_REASON) |
            (uint256(uint8(Tier.Prohibited)) << Words.D_TIER) |
            (uint256(_tryValue(token, amount)) << Words.D_VALUE);
    }

    /// @dev Checks a tier whose categories allow the intent: amount, trust, frequency, budget, in that order.
    /// Returns the Reason code of the first that fails, or 0 (Matched) with the counter words advanced; the
    /// budget word is non-zero exactly when the tier has a budget (its `max` is never 0).
    function _check(
        uint256 t,
        uint256 value,
        uint256 trust,
        bool hasBudget,
        uint256 maxValue,
        uint256 minTrust,
        uint256 maxCount,
        uint256 period,
        uint256 agentWord
    ) private view returns (uint256, uint256, uint256 budgetWord) {
        if (value > maxValue) return (uint8(Reason.AmountAboveMax), agentWord, 0);
        if (trust < minTrust) return (uint8(Reason.TrustTooLow), agentWord, 0);
        unchecked {
            if (period != 0) {
                // count < maxCount <= 2**24 - 1 (checked when configured), so count + 1 fits its 24 bits
                uint256 off = 64 * t;
                uint256 start = (agentWord >> off) & Words.M40;
                uint256 count = (agentWord >> (off + 40)) & Words.M24;
                if (block.timestamp >= start + period) {
                    start = block.timestamp;
                    count = 0;
                }
                if (count >= maxCount) return (uint8(Reason.FrequencyExceeded), agentWord, 0);
                agentWord = (agentWord & ~(Words.M64 << off)) | (start << off) | ((count + 1) << (off + 40));
            }
            if (hasBudget) {
                uint256 b = _budgets[t];
                uint256 start = (b >> 96) & Words.M40;
                uint256 spent = (b >> 136) & Words.M96;
                uint256 epoch = b >> Words.B_EPOCH;
                if (block.timestamp >= start + ((b >> 64) & Words.M32)) {
                    // A new window: a new generation, so that nothing counted before is released into it.
                    start = block.timestamp;
                    spent = 0;
                    epoch = (epoch % Words.M24) + 1; // 1..2**24-1: 0 means "not counted" in an intent
                }
                if (spent + value > uint64(b)) return (uint8(Reason.BudgetExceeded), agentWord, 0);
                budgetWord =
                    (b & ((uint256(1) << 96) - 1)) |
                    (start << 96) |
                    ((spent + value) << 136) |
                    (epoch << Words.B_EPOCH);
            }
        }
        return (0, agentWord, budgetWord);
    }

    /// @dev Value of `amount` of `token` in reference units, rounded up so caps are never undercounted. Reverts if
    /// the token is not accepted, its price is bad or stale, or the value does not fit 64 bits.
    function _value(address token, uint256 amount) internal view returns (uint64) {
        (bool ok, uint64 value) = _valueOf(token, amount, true);
        ok;
        return value;
    }

    /// @dev As `_value`, but 0 instead of reverting (used to record blocked attempts, which never revert).
    function _tryValue(address token, uint256 amount) internal view returns (uint64 value) {
        (, value) = _valueOf(token, amount, false);
    }

    function _valueOf(address token, uint256 amount, bool strict) private view returns (bool, uint64) {
        uint256 w = _tokenWords[token];
        uint256 kind = w & Words.M8;
        if (kind == uint8(PriceKind.None)) {
            if (strict) revert TierGuardTokenNotAccepted(token);
            return (false, 0);
        }
        uint256 price = uint160(w >> 56);
        if (kind == uint8(PriceKind.Feed)) {
            bool fresh;
            (fresh, price) = _feedPrice(token, address(uint160(price)), uint32(w >> 24), strict);
            if (!fresh) return (false, 0);
        }
        // decimals and priceDecimals are at most 36 each (checked when configured), so no overflow here.
        uint256 scale;
        unchecked {
            scale = ((w >> 8) & Words.M8) + ((w >> 16) & Words.M8);
        }
        bool fits;
        uint256 v;
        // 10 ** x stays below 2 ** 256 for x <= 72 (scale <= 72), so the powers need no overflow checks.
        if (scale >= VALUE_DECIMALS) {
            (fits, v) = Math.tryMul(amount, price);
            uint256 unit;
            unchecked {
                unit = 10 ** (scale - VALUE_DECIMALS);
            }
            if (fits) v = Math.ceilDiv(v, unit);
        } else {
            uint256 up;
            unchecked {
                up = 10 ** (VALUE_DECIMALS - scale);
            }
            (fits, v) = Math.tryMul(price, up);
            if (fits) (fits, v) = Math.tryMul(amount, v);
        }
        if (!fits || v > type(uint64).max) {
            if (strict) revert TierGuardValueTooLarge(fits ? v : type(uint256).max);
            return (false, 0);
        }
        return (true, uint64(v));
    }

    /// @dev The feed's answer if it is positive and at most `maxStaleness` seconds old. A feed that reverts or
    /// returns malformed data is treated as giving no valid price (never a revert of its own making).
    function _feedPrice(address token, address feed, uint32 maxStaleness, bool strict)
        private
        view
        returns (bool ok, uint256 price)
    {
        (bool success, bytes memory ret) = feed.staticcall(abi.encodeCall(AggregatorV3Interface.latestRoundData, ()));
        if (!success || ret.length < 160) {
            if (strict) revert TierGuardInvalidPrice(token, 0);
            return (false, 0);
        }
        // Decoded as full words so that no field's range check can revert.
        (, int256 answer,, uint256 updatedAt,) = abi.decode(ret, (uint256, int256, uint256, uint256, uint256));
        if (answer <= 0) {
            if (strict) revert TierGuardInvalidPrice(token, answer);
            return (false, 0);
        }
        if (updatedAt < block.timestamp && block.timestamp - updatedAt > maxStaleness) {
            if (strict) revert TierGuardStalePrice(token, updatedAt, maxStaleness);
            return (false, 0);
        }
        return (true, uint256(answer));
    }
}
