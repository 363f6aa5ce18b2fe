// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {Classifier} from "./base/Classifier.sol";
import {ITierGuardViews} from "./interfaces/ITierGuardViews.sol";
import {Key, Words} from "./libraries/Words.sol";

/// @title TierGuardViews
/// @notice The wallet's read-only views, a module of the wallet's extension (`TierGuardExtension`): they are
/// called on the wallet's address, which delegates them from its fallback, and read the wallet's storage.
/// Keeping them out of the wallet leaves its bytecode room under EIP-170.
/// @dev Every function here is `view` or `pure`. `preview` runs the very `_classify` that `spend` runs.
abstract contract TierGuardViews is Classifier, ITierGuardViews {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @inheritdoc ITierGuardViews
    function ownerNonce() external view returns (uint256) {
        return _ownerNonce;
    }


    /// @inheritdoc ITierGuardViews
    function preview(
        bytes32 agentId,
        address token,
        uint256 amount,
        address recipient,
        uint8 category
    ) external view returns (Tier tier, Reason reason, uint16 misses, uint64 value) {
        (uint256 d, , ) = _classify(_hot, agentId, token, amount, recipient, category);
        return (
            Tier(uint8(d >> Words.D_TIER)),
            Reason(uint8(d >> Words.D_REASON)),
            uint16(d >> Words.D_MISSES),
            uint64(d >> Words.D_VALUE)
        );
    }

    /// @inheritdoc ITierGuardViews
    function quote(address token, uint256 amount) external view returns (uint64 value) {
        return _value(token, amount);
    }

    /// @inheritdoc ITierGuardViews
    function settings() external view returns (Settings memory) {
        return Words.decodeSettings(_hot, _settings, _definedCategories);
    }

    /// @inheritdoc ITierGuardViews
    function tierRules(Tier tier) external view returns (TierRules memory) {
        if (tier == Tier.Prohibited) revert TierGuardInvalidTier(uint8(tier));
        if (tier == Tier.Autonomous) return Words.decodeHotTier(_hot);
        TierRules memory r = Words.decodeTier(_tiers[uint8(tier)]);
        r.categories = uint64(_settings >> Words.S_TIER_CATEGORIES + 64 * (uint8(tier) - 1));
        return r;
    }

    /// @inheritdoc ITierGuardViews
    function budget(Tier tier) external view returns (Budget memory) {
        if (tier == Tier.Prohibited) revert TierGuardInvalidTier(uint8(tier));
        return Words.decodeBudget(_budgets[uint8(tier)]);
    }

    /// @inheritdoc ITierGuardViews
    function tokenConfig(address token) external view returns (TokenConfig memory) {
        return Words.decodeToken(_tokenWords[token]);
    }

    /// @inheritdoc ITierGuardViews
    function tokens() external view returns (address[] memory) {
        return _tokenSet.values();
    }

    /// @inheritdoc ITierGuardViews
    function categoryName(uint8 category) external view returns (bytes32) {
        return _categoryNames[category];
    }

    /// @inheritdoc ITierGuardViews
    function recipientTrust(address recipient) external view returns (Trust) {
        return _trust[recipient];
    }

    /// @inheritdoc ITierGuardViews
    function recipientList() external view returns (address[] memory) {
        return _recipientSet.values();
    }

    /// @inheritdoc ITierGuardViews
    function sessionKey(address key) external view returns (SessionKey memory) {
        Key k = _keys[key];
        return SessionKey(k.agentId(), k.validUntil());
    }

    /// @inheritdoc ITierGuardViews
    function sessionKeys() external view returns (address[] memory) {
        return _keySet.values();
    }

    /// @inheritdoc ITierGuardViews
    function agentState(bytes32 agentId) external view returns (AgentState memory) {
        return Words.decodeAgent(_agents[agentId]);
    }


    /// @inheritdoc ITierGuardViews
    function owners() external view returns (address[] memory list) {
        uint256 count = uint8(_settings >> Words.S_OWNER_COUNT);
        list = new address[](count);
        uint256 j;
        for (uint256 i; i < MAX_OWNERS && j < count; ++i) {
            address o = _ownerSlots[i];
            if (o != address(0)) list[j++] = o;
        }
    }

    /// @inheritdoc ITierGuardViews
    function isOwner(address account) external view returns (bool) {
        return _isOwner(account);
    }

    /// @inheritdoc ITierGuardViews
    function isGuardian(address account) external view returns (bool) {
        return _guardians[account];
    }

    /// @inheritdoc ITierGuardViews
    function intentStatus(bytes32 intentId) external view returns (Status) {
        return Status(uint8(_intents[intentId]));
    }

    /// @inheritdoc ITierGuardViews
    function approvals(bytes32 intentId) external view returns (address[] memory list) {
        uint256 bitmap = _onchainApprovals(_intents[intentId]);
        list = new address[](_popcount(bitmap));
        uint256 j;
        for (uint256 i; i < MAX_OWNERS; ++i) {
            if ((bitmap >> i) & 1 != 0) list[j++] = _ownerSlots[i];
        }
    }

    /// @inheritdoc ITierGuardViews
    function intentIdFor(bytes32 agentId, uint40 nonce) external pure returns (bytes32) {
        if (uint256(agentId) & Words.M40 != 0) revert TierGuardInvalidAgent();
        return _intentId(agentId, nonce);
    }
}
