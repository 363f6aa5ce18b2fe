// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {ITierGuardBase} from "../interfaces/ITierGuardBase.sol";
import {Hot, Key, Words} from "../libraries/Words.sol";

/// @title WalletStorage
/// @notice The wallet's state, shared by its parts (owners, policy, intents) and by its extension module, which
/// runs by DELEGATECALL in the wallet's storage. All of it is private to the wallet's own code: there is no
/// upgradeability, and the extension is fixed at deployment.
/// @dev New state goes at the end of this contract (never in a module), so the wallet and the extension agree
/// on every slot.
/// @dev Hot words are packed by hand (layouts in `Words`); cold configuration uses ordinary types.
abstract contract WalletStorage is ITierGuardBase {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @dev Most owners a wallet can have: on-chain approvals are a 16-bit bitmap over owner slots.
    uint256 internal constant MAX_OWNERS = 16;
    /// @dev Category ids are bit positions in 64-bit masks.
    uint256 internal constant MAX_CATEGORIES = 64;
    uint256 internal constant MAX_JUSTIFICATION = 512;
    /// @dev Reference currency decimals (values are in micro-units of e.g. USD).
    uint256 internal constant VALUE_DECIMALS = 6;
    /// @dev Token and price decimals above this are refused (keeps 10**x scaling in range).
    uint8 internal constant MAX_DECIMALS = 36;
    /// @dev Open (queued) intents one agent may have until the policy sets another bound.
    uint256 internal constant DEFAULT_MAX_OPEN_INTENTS = 64;
    /// @dev Blocked attempts one agent may make per BLOCKED_WINDOW until the policy sets another cap.
    uint256 internal constant DEFAULT_MAX_BLOCKED_ATTEMPTS = 100;
    /// @dev The window blocked attempts are counted in (fixed, like the tiers' windows).
    uint256 internal constant BLOCKED_WINDOW = 1 days;
    /// @dev The wallet's EIP-712 domain name and version (owner actions, approvals, signed intents).
    string internal constant EIP712_NAME = "TierGuardWallet";
    string internal constant EIP712_VERSION = "1";

    /// @dev Hot word: pause, threshold, policy version, prohibited trust and the autonomous tier's rules (see
    /// `Words`). Everything an autonomous payment needs from the policy, in one SLOAD.
    Hot internal _hot;
    /// @dev The rest of `Settings` (see `Words`): read only off the autonomous fast path.
    uint256 internal _settings;
    /// @dev Packed `TierRules` for Supervised (1) and Collaborative (2); the autonomous tier lives in `_hot`.
    uint256[3] internal _tiers;
    /// @dev Packed `Budget` per tier (config and running window together: read and written in one SLOAD/SSTORE).
    uint256[3] internal _budgets;
    mapping(address token => uint256 word) internal _tokenWords;
    mapping(address recipient => Trust trust) internal _trust;
    /// @dev Packed session key grant: agent id and expiry in one word (see `Words`).
    mapping(address key => Key word) internal _keys;
    mapping(bytes32 agentId => uint256 word) internal _agents;
    /// @dev Blocked attempts per agent: windowStart 0..39 | count 40..63 (read and written on the blocked path only).
    mapping(bytes32 agentId => uint256 word) internal _blockedAttempts;
    /// @dev Commitment word per queued intent: status, on-chain approvals and the intent's hash (see `Words`).
    mapping(bytes32 intentId => uint256 word) internal _intents;
    mapping(uint8 category => bytes32 name) internal _categoryNames;
    /// @dev Bitmask of defined category ids. Read on payments only for a category that no tier allows and the
    /// policy does not prohibit (to tell an unmatched intent from an unknown category).
    uint64 internal _definedCategories;

    /// @dev Owner slots; index i is bit i of approval bitmaps. Removal empties a slot and bumps `_ownerEpoch`.
    address[MAX_OWNERS] internal _ownerSlots;
    /// @dev Slot index + 1 (0 = not an owner).
    mapping(address owner => uint8 slotPlusOne) internal _ownerSlotOf;
    /// @dev Bumped whenever an owner is removed, voiding on-chain approvals that person may have made.
    uint32 internal _ownerEpoch;
    uint256 internal _ownerNonce;
    mapping(address guardian => bool enabled) internal _guardians;

    EnumerableSet.AddressSet internal _tokenSet;
    EnumerableSet.AddressSet internal _recipientSet;
    EnumerableSet.AddressSet internal _keySet;

    /// @dev Idempotency records of `spendIdempotent` / `spendSigned` (layout in `AgentPayments`).
    mapping(bytes32 agentId => mapping(bytes32 idempotencyKey => uint256 word)) internal _idempotency;

    /// @dev Set while an owner action runs once its first policy change bumped the version (one bump per action).
    bool internal transient _policyBumped;

    /// @dev x402 authorizations the wallet recorded, by EIP-712 digest (layout in `Words`). `isValidSignature`
    /// accepts a digest only from here.
    mapping(bytes32 digest => uint256 word) internal _x402Auths;
    /// @dev The digest of a queued x402 intent's authorization, until the intent executes (flagged commitment).
    mapping(bytes32 intentId => bytes32 digest) internal _x402Intents;

    modifier onlySelf() {
        if (msg.sender != address(this)) revert TierGuardOnlySelf(msg.sender);
        _;
    }

    function _isOwner(address account) internal view returns (bool) {
        return _ownerSlotOf[account] != 0;
    }

    function _requireOwner() internal view {
        if (!_isOwner(msg.sender)) revert TierGuardNotOwner(msg.sender);
    }

    function _requireOwnerOrGuardian() internal view {
        if (!_isOwner(msg.sender) && !_guardians[msg.sender]) revert TierGuardNotOwnerOrGuardian(msg.sender);
    }

    function _version() internal view returns (uint32) {
        return _hot.policyVersion();
    }

    /// @dev Records a policy change: bumps the version once per owner action and returns the version in force.
    function _touchPolicy() internal returns (uint32 version) {
        Hot h = _hot;
        version = h.policyVersion();
        if (!_policyBumped) {
            _policyBumped = true;
            version += 1;
            _hot = h.withPolicyVersion(version);
            emit PolicyVersionChanged(version);
        }
    }

    /// @dev On-chain approvals of an intent's commitment word still valid: those recorded before an owner was
    /// removed are void.
    function _onchainApprovals(uint256 w) internal view returns (uint256) {
        uint256 bitmap = (w >> 8) & Words.M16;
        if (bitmap == 0) return 0;
        return uint32(w >> 24) == _ownerEpoch ? bitmap : 0;
    }

    function _popcount(uint256 x) internal pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }

    /// @dev Gives `value` (counted in `tier`'s budget in window epoch `epoch`) back, only if the budget is still in
    /// that epoch (a window that opened since, even in the same second, is never credited). 0 = not counted.
    function _releaseBudget(Tier tier, uint256 epoch, uint64 value) internal returns (uint64 released) {
        if (epoch == 0) return 0;
        uint256 b = _budgets[uint8(tier)];
        if (uint64(b) == 0 || b >> Words.B_EPOCH != epoch) return 0;
        uint256 spent = Words.get(b, 136, Words.M96);
        released = spent < value ? uint64(spent) : value;
        _budgets[uint8(tier)] = Words.set(b, 136, Words.M96, spent - released);
    }

    /// @dev An agent id has its low 40 bits clear and nonces are 40 bits wide, so the id is the agent id with
    /// the agent's sequence number in its last 5 bytes: unique per wallet, readable, and free to compute.
    function _intentId(bytes32 agentId, uint256 nonce) internal pure returns (bytes32) {
        return agentId | bytes32(nonce);
    }
}
