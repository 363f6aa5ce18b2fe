// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {WalletStorage} from "./WalletStorage.sol";
import {Words} from "../libraries/Words.sol";

/// @title Classifier
/// @notice Values an intent in the reference currency and classifies it into a tier. `submit` and `preview`
/// both call `_classify`, so the view and the payment path cannot disagree.
abstract contract Classifier is WalletStorage {
    /// @dev The outcome of classification, with the counter words `submit` writes back if it goes ahead.
    struct Verdict {
        Tier tier;
        Reason reason;
        uint16 misses;
        uint64 value;
        /// the agent's word with the matched tier's frequency window advanced (nonce untouched)
        uint256 agentWord;
        /// the matched tier's budget word with the value added (only meaningful when `budgeted`)
        uint256 budgetWord;
        bool budgeted;
    }

    /// @dev Classifies an intent. Reverts on invalid input (the same errors for `submit` and `preview`);
    /// never reverts for a prohibited intent. Semantics, in order: prohibited category, blocked recipient,
    /// prohibited trust; then the tiers in order, the first whose conditions all hold wins; else unmatched.
    /// Fast path: when the autonomous tier allows the category, the category is defined and not prohibited
    /// (setters keep tier and prohibited categories disjoint), so the cold settings word is not read.
    function _classify(uint256 h, bytes32 agentId, address token, uint256 amount, address recipient, uint8 category)
        internal
        view
        returns (Verdict memory v)
    {
        if (h & 1 != 0) revert TierGuardPaused();
        if (amount == 0) revert TierGuardZeroAmount();
        if (recipient == address(0) || recipient == address(this)) revert TierGuardInvalidRecipient(recipient);
        if (category >= MAX_CATEGORIES) revert TierGuardUnknownCategory(category);
        uint256 trust = uint8(_trust[recipient]);
        uint256 agentWord = _agents[agentId];
        v.agentWord = agentWord;
        uint256 s;
        if ((h >> (Words.H_CATEGORIES + category)) & 1 != 0) {
            // Fast path: the autonomous tier allows the category.
            Reason prohibited = _prohibitedByTrust(h, trust);
            if (prohibited != Reason.Matched) return _blocked(v, prohibited, token, amount);
            v.value = _value(token, amount);
            Reason miss;
            (miss, v.agentWord, v.budgetWord, v.budgeted) = _check(
                0,
                v.value,
                trust,
                (h >> Words.H_AUTONOMOUS_BUDGET) & 1 != 0,
                uint64(h >> Words.H_MAX_VALUE),
                uint8(h >> Words.H_MIN_TRUST),
                uint32(h >> Words.H_MAX_COUNT),
                uint32(h >> Words.H_PERIOD),
                agentWord
            );
            if (miss == Reason.Matched) return v;
            v.misses = uint16(uint8(miss));
            s = _settings;
        } else {
            s = _settings;
            // A category some tier or the prohibited list names is defined; otherwise ask the defined set.
            uint256 named = (s >> Words.S_PROHIBITED_CATEGORIES) | (s >> Words.S_TIER_CATEGORIES)
                | (s >> (Words.S_TIER_CATEGORIES + 64));
            if ((named >> category) & 1 == 0 && (_definedCategories >> category) & 1 == 0) {
                revert TierGuardUnknownCategory(category);
            }
            // Prohibited checks come first and need no price: a blocked attempt is recorded, never reverted.
            Reason prohibited = (s >> (Words.S_PROHIBITED_CATEGORIES + category)) & 1 != 0
                ? Reason.CategoryProhibited
                : _prohibitedByTrust(h, trust);
            if (prohibited != Reason.Matched) return _blocked(v, prohibited, token, amount);
            v.value = _value(token, amount);
            v.misses = uint16(uint8(Reason.CategoryNotAllowed));
        }
        for (uint256 t = 1; t < 3; ++t) {
            Reason miss = Reason.CategoryNotAllowed;
            if ((s >> (Words.S_TIER_CATEGORIES + 64 * (t - 1) + category)) & 1 != 0) {
                uint256 rules = _tiers[t];
                (miss, v.agentWord, v.budgetWord, v.budgeted) = _check(
                    t,
                    v.value,
                    trust,
                    (s >> (Words.S_BUDGET_TIERS + t)) & 1 != 0,
                    uint64(rules >> 64),
                    uint8(rules >> 248),
                    uint32(rules >> 128),
                    uint32(rules >> 160),
                    agentWord
                );
            }
            if (miss == Reason.Matched) {
                v.tier = Tier(t);
                return v;
            }
            v.misses |= uint16(uint8(miss)) << uint16(4 * t);
        }
        v.agentWord = agentWord;
        v.tier = Tier(uint8(s >> Words.S_UNMATCHED));
        v.reason = Reason.NoTierMatched;
    }

    function _prohibitedByTrust(uint256 h, uint256 trust) private pure returns (Reason) {
        if (trust == uint8(Trust.Blocked)) return Reason.RecipientBlocked;
        if ((h >> (Words.H_PROHIBITED_TRUST + trust)) & 1 != 0) return Reason.TrustProhibited;
        return Reason.Matched;
    }

    function _blocked(Verdict memory v, Reason reason, address token, uint256 amount)
        private
        view
        returns (Verdict memory)
    {
        v.tier = Tier.Prohibited;
        v.reason = reason;
        v.value = _tryValue(token, amount);
        return v;
    }

    /// @dev Checks a tier whose categories allow the intent: amount, trust, frequency, budget, in that order.
    /// Returns the first that fails, or Matched with the counter words advanced.
    function _check(
        uint256 t,
        uint64 value,
        uint256 trust,
        bool hasBudget,
        uint64 maxValue,
        uint256 minTrust,
        uint256 maxCount,
        uint256 period,
        uint256 agentWord
    ) private view returns (Reason, uint256, uint256 budgetWord, bool budgeted) {
        if (value > maxValue) return (Reason.AmountAboveMax, agentWord, 0, false);
        if (trust < minTrust) return (Reason.TrustTooLow, agentWord, 0, false);
        unchecked {
            if (period != 0) {
                uint256 off = 72 * t;
                uint256 start = (agentWord >> off) & Words.M40;
                uint256 count = (agentWord >> (off + 40)) & Words.M32;
                if (block.timestamp >= start + period) {
                    start = block.timestamp;
                    count = 0;
                }
                if (count >= maxCount) return (Reason.FrequencyExceeded, agentWord, 0, false);
                agentWord = (agentWord & ~(((uint256(1) << 72) - 1) << off)) | (start << off) | ((count + 1) << (off + 40));
            }
            if (hasBudget) {
                uint256 b = _budgets[t];
                uint256 start = (b >> 96) & Words.M40;
                uint256 spent = (b >> 136) & Words.M96;
                if (block.timestamp >= start + ((b >> 64) & Words.M32)) {
                    start = block.timestamp;
                    spent = 0;
                }
                if (spent + value > uint64(b)) return (Reason.BudgetExceeded, agentWord, 0, false);
                budgetWord = (b & ((uint256(1) << 96) - 1)) | (start << 96) | ((spent + value) << 136);
                budgeted = true;
            }
        }
        return (Reason.Matched, agentWord, budgetWord, budgeted);
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
        if (scale >= VALUE_DECIMALS) {
            (fits, v) = Math.tryMul(amount, price);
            if (fits) v = Math.ceilDiv(v, 10 ** (scale - VALUE_DECIMALS));
        } else {
            (fits, v) = Math.tryMul(amount, price * 10 ** (VALUE_DECIMALS - scale));
        }
        if (!fits || v > type(uint64).max) {
            if (strict) revert TierGuardValueTooLarge(fits ? v : type(uint256).max);
            return (false, 0);
        }
        return (true, uint64(v));
    }

    function _feedPrice(address token, address feed, uint32 maxStaleness, bool strict)
        private
        view
        returns (bool ok, uint256 price)
    {
        try AggregatorV3Interface(feed).latestRoundData() returns (
            uint80, int256 answer, uint256, uint256 updatedAt, uint80
        ) {
            if (answer <= 0) {
                if (strict) revert TierGuardInvalidPrice(token, answer);
                return (false, 0);
            }
            if (updatedAt + maxStaleness < block.timestamp) {
                if (strict) revert TierGuardStalePrice(token, updatedAt, maxStaleness);
                return (false, 0);
            }
            return (true, uint256(answer));
        } catch {
            if (strict) revert TierGuardInvalidPrice(token, 0);
            return (false, 0);
        }
    }
}
