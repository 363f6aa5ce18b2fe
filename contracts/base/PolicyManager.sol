// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {Classifier} from "./Classifier.sol";
import {ITierGuardWallet} from "../interfaces/ITierGuardWallet.sol";
import {Key, KeyWord, Words} from "../libraries/Words.sol";

/// @title PolicyManager
/// @notice The policy's setters (self-only: reached through an owner action), session keys, and the views that
/// let an SDK, a planner or an auditor read the whole configuration back.
/// @dev Each policy setter bumps the policy version once per owner action and emits its change with the version.
abstract contract PolicyManager is Classifier, ITierGuardWallet {
    using EnumerableSet for EnumerableSet.AddressSet;

    /*//////////////////////////////////////////////////////////////
                               CATEGORIES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function defineCategory(uint8 category, bytes32 name) external onlySelf {
        if (category >= MAX_CATEGORIES || name == bytes32(0)) revert TierGuardInvalidCategory(category);
        _definedCategories |= uint64(1) << category;
        _categoryNames[category] = name;
        emit CategoryDefined(category, name, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function undefineCategory(uint8 category) external onlySelf {
        uint64 defined = _definedCategories;
        if (category >= MAX_CATEGORIES || (defined >> category) & 1 == 0) revert TierGuardUnknownCategory(category);
        uint256 used = (_settings >> Words.S_PROHIBITED_CATEGORIES) | _tierCategories();
        if ((used >> category) & 1 != 0) revert TierGuardCategoryInUse(category);
        _definedCategories = defined & ~(uint64(1) << category);
        delete _categoryNames[category];
        emit CategoryRemoved(category, _touchPolicy());
    }

    /*//////////////////////////////////////////////////////////////
                             TIERS AND RULES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function setTierRules(Tier tier, TierRules calldata rules) external onlySelf {
        if (tier == Tier.Prohibited) revert TierGuardInvalidTier(uint8(tier));
        if (rules.categories & ~_definedCategories != 0) revert TierGuardInvalidTierRules(tier, "categories");
        uint64 conflict = rules.categories & uint64(_settings >> Words.S_PROHIBITED_CATEGORIES);
        if (conflict != 0) revert TierGuardCategoryConflict(conflict);
        if (rules.categories != 0 && rules.maxValue == 0) revert TierGuardInvalidTierRules(tier, "maxValue");
        if (rules.minTrust > uint8(Trust.Verified)) revert TierGuardInvalidTierRules(tier, "minTrust");
        // Counts are 24-bit in the agent word.
        if ((rules.period != 0 && rules.maxCount == 0) || rules.maxCount > Words.M24) {
            revert TierGuardInvalidTierRules(tier, "maxCount");
        }
        // A supervised tier with no veto window would be autonomous in all but name (payable next block).
        if (
            tier == Tier.Autonomous
                ? rules.window != 0
                : rules.window == 0 && (tier == Tier.Collaborative || rules.categories != 0)
        ) revert TierGuardInvalidTierRules(tier, "window");
        // A supervised tier that allows anything needs a grace period (else nothing could ever execute); the
        // collaborative window is required even when the tier is disabled: it times out escalated intents.
        if (tier == Tier.Supervised ? (rules.categories != 0 && rules.grace == 0) : rules.grace != 0) {
            revert TierGuardInvalidTierRules(tier, "grace");
        }
        if (tier == Tier.Autonomous) {
            _hot = _hot.withAutonomousTier(Words.encodeHotTier(rules));
        } else {
            uint256 off = _tierCategoriesOffset(tier);
            _settings = Words.set(_settings, off, Words.M64, rules.categories);
            _tiers[uint8(tier)] = Words.encodeTier(rules) & ~Words.M64;
        }
        emit TierRulesSet(tier, rules, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setBudget(Tier tier, uint64 max, uint32 period) external onlySelf {
        if (tier == Tier.Prohibited) revert TierGuardInvalidTier(uint8(tier));
        if (max == 0) {
            // Removing a budget discards its window: a new epoch, so that nothing counted before is released into
            // a budget set later.
            uint256 epoch = ((_budgets[uint8(tier)] >> Words.B_EPOCH) % Words.M24) + 1;
            _budgets[uint8(tier)] = epoch << Words.B_EPOCH;
            _setBudgetFlag(tier, false);
        } else {
            if (period == 0) revert TierGuardInvalidTierRules(tier, "budget.period");
            // Keep the running window: changing a budget's size does not forgive what was already spent.
            uint256 b = _budgets[uint8(tier)] & ~uint256(Words.M64 | (Words.M32 << 64));
            _budgets[uint8(tier)] = b | max | (uint256(period) << 64);
            _setBudgetFlag(tier, true);
        }
        emit BudgetSet(tier, max, period, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setProhibitions(uint64 categories, uint8 trustMask) external onlySelf {
        if (categories & ~_definedCategories != 0) revert TierGuardInvalidTierRules(Tier.Prohibited, "categories");
        if (trustMask > 7) revert TierGuardInvalidTrust(trustMask);
        uint64 conflict = categories & uint64(_tierCategories());
        if (conflict != 0) revert TierGuardCategoryConflict(conflict);
        _settings = Words.set(_settings, Words.S_PROHIBITED_CATEGORIES, Words.M64, categories);
        _hot = _hot.withProhibitedTrust(trustMask);
        emit ProhibitionsSet(categories, trustMask, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setUnmatchedTier(Tier tier) external onlySelf {
        if (tier != Tier.Collaborative && tier != Tier.Prohibited) revert TierGuardInvalidUnmatchedTier(uint8(tier));
        _settings = Words.set(_settings, Words.S_UNMATCHED, Words.M8, uint8(tier));
        emit UnmatchedTierSet(tier, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setAutoPromote(bool enabled) external onlySelf {
        _settings = Words.set(_settings, Words.S_AUTO_PROMOTE, 1, enabled ? 1 : 0);
        emit AutoPromoteSet(enabled, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setMaxOpenIntents(uint16 maxOpenIntents) external onlySelf {
        _settings = Words.set(_settings, Words.S_MAX_OPEN, Words.M16, maxOpenIntents);
        emit MaxOpenIntentsSet(maxOpenIntents, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setMaxBlockedAttempts(uint16 maxBlockedAttempts) external onlySelf {
        _settings = Words.set(_settings, Words.S_MAX_BLOCKED, Words.M16, maxBlockedAttempts);
        emit MaxBlockedAttemptsSet(maxBlockedAttempts, _touchPolicy());
    }

    /*//////////////////////////////////////////////////////////////
                           TOKENS AND RECIPIENTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function configureToken(address token, PriceKind kind, uint160 source, uint32 maxStaleness) external onlySelf {
        TokenConfig memory c;
        c.kind = kind;
        c.source = source;
        c.decimals = token == address(0) ? 18 : _tokenDecimals(token);
        if (kind == PriceKind.Fixed) {
            if (source == 0) revert TierGuardInvalidToken(token, "price");
            if (maxStaleness != 0) revert TierGuardInvalidToken(token, "maxStaleness");
            c.priceDecimals = 18;
        } else if (kind == PriceKind.Feed) {
            if (maxStaleness == 0) revert TierGuardInvalidToken(token, "maxStaleness");
            c.maxStaleness = maxStaleness;
            c.priceDecimals = _feedDecimals(token, address(source));
        } else {
            revert TierGuardInvalidToken(token, "kind");
        }
        _tokenWords[token] = Words.encodeToken(c);
        _tokenSet.add(token);
        emit TokenConfigured(token, c, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function removeToken(address token) external onlySelf {
        if (!_tokenSet.remove(token)) revert TierGuardTokenNotAccepted(token);
        delete _tokenWords[token];
        emit TokenRemoved(token, _touchPolicy());
    }

    /// @inheritdoc ITierGuardWallet
    function setRecipientTrust(address recipient, Trust trust) external onlySelf {
        if (recipient == address(0) || recipient == address(this)) revert TierGuardInvalidRecipient(recipient);
        _setTrust(recipient, trust);
        emit RecipientTrustSet(recipient, trust, false, _touchPolicy());
    }

    /*//////////////////////////////////////////////////////////////
                              SESSION KEYS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function grantSessionKey(address key, bytes32 agentId, uint40 validUntil) external onlySelf {
        if (key == address(0) || key == address(this)) revert TierGuardInvalidKey(key);
        if (validUntil <= block.timestamp) revert TierGuardSessionKeyExpired(key, validUntil, block.timestamp);
        if (agentId == bytes32(0) || uint256(agentId) & Words.M40 != 0) revert TierGuardInvalidAgent();
        bytes32 current = _keys[key].agentId();
        if (current != bytes32(0) && current != agentId) revert TierGuardKeyBelongsToOtherAgent(key, current);
        if (_agents[agentId] & Words.A_FROZEN_BIT != 0) revert TierGuardAgentFrozen(agentId);
        _keys[key] = KeyWord.pack(agentId, validUntil);
        _keySet.add(key);
        emit SessionKeyGranted(agentId, key, validUntil);
    }

    /// @inheritdoc ITierGuardWallet
    function revokeSessionKey(address key) external {
        if (msg.sender != address(this)) _requireOwner();
        bytes32 agentId = _keys[key].agentId();
        if (agentId == bytes32(0)) revert TierGuardNotSessionKey(key);
        _keys[key] = Key.wrap(0);
        _keySet.remove(key);
        emit SessionKeyRevoked(agentId, key, msg.sender);
    }

    /// @inheritdoc ITierGuardWallet
    function unfreezeAgent(bytes32 agentId) external onlySelf {
        uint256 a = _agents[agentId];
        if (a & Words.A_FROZEN_BIT == 0) revert TierGuardAgentNotFrozen(agentId);
        uint256 open = (a >> Words.A_OPEN) & Words.M16;
        if (open != 0) revert TierGuardAgentHasOpenIntents(agentId, open);
        _agents[agentId] = a & ~Words.A_FROZEN_BIT;
        emit AgentUnfrozen(agentId);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Union of the categories the three tiers allow.
    function _tierCategories() internal view returns (uint256) {
        uint256 s = _settings;
        return
            _hot.categories() |
            uint64(s >> Words.S_TIER_CATEGORIES) |
            uint64(s >> (Words.S_TIER_CATEGORIES + 64));
    }

    function _tierCategoriesOffset(Tier tier) internal pure returns (uint256) {
        return Words.S_TIER_CATEGORIES + 64 * (uint8(tier) - 1);
    }

    function _setBudgetFlag(Tier tier, bool on) private {
        if (tier == Tier.Autonomous) {
            _hot = _hot.withAutonomousBudget(on);
        } else {
            _settings = Words.set(_settings, Words.S_BUDGET_TIERS + uint8(tier), 1, on ? 1 : 0);
        }
    }

    function _setTrust(address recipient, Trust trust) internal {
        if (uint8(trust) > uint8(Trust.Blocked)) revert TierGuardInvalidTrust(uint8(trust));
        _trust[recipient] = trust;
        if (trust == Trust.Unknown) _recipientSet.remove(recipient);
        else _recipientSet.add(recipient);
    }

    function _tokenDecimals(address token) private view returns (uint8 d) {
        if (token.code.length == 0) revert TierGuardInvalidToken(token, "address");
        try IERC20Metadata(token).decimals() returns (uint8 dec) {
            d = dec;
        } catch {
            revert TierGuardInvalidToken(token, "decimals");
        }
        if (d > MAX_DECIMALS) revert TierGuardInvalidToken(token, "decimals");
    }

    function _feedDecimals(address token, address feed) private view returns (uint8 d) {
        if (feed.code.length == 0) revert TierGuardInvalidToken(token, "feed");
        try AggregatorV3Interface(feed).decimals() returns (uint8 dec) {
            d = dec;
        } catch {
            revert TierGuardInvalidToken(token, "feed");
        }
        if (d > MAX_DECIMALS) revert TierGuardInvalidToken(token, "feed");
    }
}
