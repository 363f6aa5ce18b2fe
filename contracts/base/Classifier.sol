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
        /// the matched tier's budget word with the value added (only meaningful when `budgeted` != 0)
        uint256 budgetWord;
        uint64 budgeted;
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
        Trust trust = _trust[recipient];
        bool autonomousCategory = (h >> (Words.H_CATEGORIES + category)) & 1 != 0;
        uint256 s;
        if (!autonomousCategory) {
            s = _settings;
            if ((s >> (Words.S_CATEGORIES + category)) & 1 == 0) revert TierGuardUnknownCategory(category);
        }

        // Prohibited checks come first and need no price: a blocked attempt is recorded, never reverted.
        Reason prohibited;
        if (!autonomousCategory && (s >> (Words.S_PROHIBITED_CATEGORIES + category)) & 1 != 0) {
            prohibited = Reason.CategoryProhibited;
        } else if (trust == Trust.Blocked) {
            prohibited = Reason.RecipientBlocked;
        } else if ((h >> (Words.H_PROHIBITED_TRUST + uint8(trust))) & 1 != 0) {
            prohibited = Reason.TrustProhibited;
        }
        if (prohibited != Reason.Matched) {
            (, v.value) = _value(token, amount, false);
            v.tier = Tier.Prohibited;
            v.reason = prohibited;
            return v;
        }

        (, v.value) = _value(token, amount, true);
        uint256 agentWord = _agents[agentId];
        v.agentWord = agentWord;
        Reason miss = Reason.CategoryNotAllowed;
        if (autonomousCategory) {
            miss = _check(
                v,
                0,
                (h >> Words.H_AUTONOMOUS_BUDGET) & 1 != 0,
                uint64(h >> Words.H_MAX_VALUE),
                uint8(h >> Words.H_MIN_TRUST),
                uint32(h >> Words.H_MAX_COUNT),
                uint32(h >> Words.H_PERIOD),
                agentWord,
                trust
            );
            if (miss == Reason.Matched) return v;
            s = _settings;
        }
        v.misses = uint16(uint8(miss));
        for (uint256 t = 1; t < 3; ++t) {
            uint256 rules = _tiers[t];
            miss = (rules >> category) & 1 == 0
                ? Reason.CategoryNotAllowed
                : _check(
                    v,
                    t,
                    (s >> (Words.S_BUDGET_TIERS + t)) & 1 != 0,
                    uint64(rules >> 64),
                    uint8(rules >> 248),
                    uint32(rules >> 128),
                    uint32(rules >> 160),
                    agentWord,
                    trust
                );
            if (miss == Reason.Matched) {
                v.tier = Tier(t);
                return v;
            }
            v.misses |= uint16(uint8(miss)) << uint16(4 * t);
        }
        v.tier = Tier(uint8(s >> Words.S_UNMATCHED));
        v.reason = Reason.NoTierMatched;
    }

    /// @dev Checks a tier whose categories allow the intent: amount, trust, frequency, budget, in that order.
    /// Returns the first that fails, or Matched, in which case it fills the verdict's counter words.
    function _check(
        Verdict memory v,
        uint256 t,
        bool hasBudget,
        uint64 maxValue,
        uint8 minTrust,
        uint256 maxCount,
        uint256 period,
        uint256 agentWord,
        Trust trust
    ) private view returns (Reason) {
        if (v.value > maxValue) return Reason.AmountAboveMax;
        if (uint8(trust) < minTrust) return Reason.TrustTooLow;
        if (period != 0) {
            uint256 off = 72 * t;
            uint256 start = Words.get(agentWord, off, Words.M40);
            uint256 count = Words.get(agentWord, off + 40, Words.M32);
            if (block.timestamp >= start + period) {
                start = block.timestamp;
                count = 0;
            }
            if (count >= maxCount) return Reason.FrequencyExceeded;
            agentWord = Words.set(Words.set(agentWord, off, Words.M40, start), off + 40, Words.M32, count + 1);
        }
        if (hasBudget) {
            uint256 b = _budgets[t];
            uint256 start = Words.get(b, 96, Words.M40);
            uint256 spent = Words.get(b, 136, Words.M96);
            if (block.timestamp >= start + Words.get(b, 64, Words.M32)) {
                start = block.timestamp;
                spent = 0;
            }
            if (spent + v.value > uint64(b)) return Reason.BudgetExceeded;
            v.budgetWord = Words.set(Words.set(b, 96, Words.M40, start), 136, Words.M96, spent + v.value);
            v.budgeted = v.value;
        }
        // Only a matching tier advances the counters.
        v.agentWord = agentWord;
        return Reason.Matched;
    }

    /// @dev Value of `amount` of `token` in reference units, rounded up so caps are never undercounted.
    /// With `strict`, a token that is not accepted, a bad or stale price and an oversized value revert;
    /// without, they return (false, 0) (used to record blocked attempts without reverting).
    function _value(address token, uint256 amount, bool strict) internal view returns (bool ok, uint64 value) {
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
        uint256 scale = Words.get(w, 8, Words.M8) + Words.get(w, 16, Words.M8);
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
