// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {WalletStorage} from "./WalletStorage.sol";
import {ITierGuardWallet} from "../interfaces/ITierGuardWallet.sol";
import {Hot, Words} from "../libraries/Words.sol";

/// @title OwnerManager
/// @notice M-of-N owners (EOAs or ERC-1271 contract wallets), guardians, pause, and the owner action: the only
/// way to reach the wallet's self-only configuration functions.
/// @dev Like a Safe, configuration setters are callable only by the wallet itself; `ownerAction` calls them after
/// checking M distinct owners' EIP-712 signatures bound to this wallet, this chain, a nonce and a deadline.
abstract contract OwnerManager is WalletStorage, EIP712, ReentrancyGuardTransient, ITierGuardWallet {
    bytes32 internal constant OWNER_ACTION_TYPEHASH = keccak256(
        "OwnerAction(bytes[] calls,uint256 nonce,uint256 deadline)"
    );

    constructor(address[] memory initialOwners, uint8 threshold_) EIP712(EIP712_NAME, EIP712_VERSION) {
        uint256 n = initialOwners.length;
        if (n > MAX_OWNERS) revert TierGuardTooManyOwners(MAX_OWNERS);
        for (uint256 i; i < n; ++i) {
            _addOwner(initialOwners[i]);
        }
        // Unmatched intents are prohibited until the policy says otherwise.
        _settings |=
            (uint256(uint8(Tier.Prohibited)) << Words.S_UNMATCHED) |
            (DEFAULT_MAX_OPEN_INTENTS << Words.S_MAX_OPEN) |
            (DEFAULT_MAX_BLOCKED_ATTEMPTS << Words.S_MAX_BLOCKED);
        _setThreshold(threshold_);
    }

    /*//////////////////////////////////////////////////////////////
                              OWNER ACTION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function ownerAction(
        bytes[] calldata calls,
        uint256 deadline,
        OwnerSignature[] calldata signatures
    ) external nonReentrant {
        if (calls.length == 0) revert TierGuardEmptyAction();
        if (block.timestamp > deadline) revert TierGuardSignatureExpired(deadline, block.timestamp);
        uint256 nonce = _ownerNonce;
        bytes32 digest = _ownerActionDigest(calls, nonce, deadline);
        address[] memory signers = _checkOwnerSignatures(digest, signatures);
        _ownerNonce = nonce + 1;
        _policyBumped = false;
        emit OwnerActionExecuted(nonce, digest, signers);
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory reason) = address(this).call(calls[i]);
            if (!ok) revert TierGuardActionCallFailed(i, reason);
        }
        _policyBumped = false;
    }

    /// @inheritdoc ITierGuardWallet
    function ownerActionDigest(
        bytes[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) external view returns (bytes32) {
        return _ownerActionDigest(calls, nonce, deadline);
    }

    function _ownerActionDigest(
        bytes[] calldata calls,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            hashes[i] = keccak256(calls[i]);
        }
        return
            _hashTypedDataV4(
                keccak256(abi.encode(OWNER_ACTION_TYPEHASH, keccak256(abi.encodePacked(hashes)), nonce, deadline))
            );
    }

    /// @dev Verifies that `signatures` hold at least `threshold` valid signatures of distinct owners over
    /// `digest`. Signers must be strictly increasing, which makes duplicates impossible.
    function _checkOwnerSignatures(
        bytes32 digest,
        OwnerSignature[] calldata signatures
    ) internal view returns (address[] memory signers) {
        uint256 threshold = _hot.threshold();
        if (signatures.length < threshold) revert TierGuardNotEnoughApprovals(signatures.length, threshold);
        signers = new address[](signatures.length);
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = signatures[i].signer;
            if (signer <= previous) revert TierGuardSignersNotSorted(previous, signer);
            if (!_isOwner(signer)) revert TierGuardSignerNotOwner(signer);
            if (!_validSignature(signer, digest, signatures[i].signature)) revert TierGuardInvalidSignature(signer);
            signers[i] = signer;
            previous = signer;
        }
    }

    /// @dev ECDSA first (no EXTCODESIZE for the common EOA owner), then ERC-1271 for contract owners. An ECDSA
    /// signature that recovers to a contract owner's address is accepted: only its key holder can make one.
    function _validSignature(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        return
            signer.code.length != 0 && SignatureChecker.isValidERC1271SignatureNowCalldata(signer, digest, signature);
    }

    /*//////////////////////////////////////////////////////////////
                          SINGLE-OWNER ACTIONS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function pause() external {
        _requireOwnerOrGuardian();
        Hot h = _hot;
        if (h.paused()) revert TierGuardPaused();
        _hot = h.withPaused(true);
        emit Paused(msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                            SELF-ONLY SETTERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function unpause() external onlySelf {
        Hot h = _hot;
        if (!h.paused()) revert TierGuardNotPaused();
        _hot = h.withPaused(false);
        emit Unpaused();
    }

    /// @inheritdoc ITierGuardWallet
    function addOwner(address owner) external onlySelf {
        _addOwner(owner);
    }

    /// @inheritdoc ITierGuardWallet
    function removeOwner(address owner) external onlySelf {
        uint8 slotPlusOne = _ownerSlotOf[owner];
        if (slotPlusOne == 0) revert TierGuardNotOwner(owner);
        uint256 s = _settings;
        uint256 count = uint8(s >> Words.S_OWNER_COUNT) - 1;
        uint256 threshold = _hot.threshold();
        if (threshold > count) revert TierGuardInvalidThreshold(threshold, count);
        delete _ownerSlotOf[owner];
        delete _ownerSlots[slotPlusOne - 1];
        _ownerEpoch += 1;
        _settings = Words.set(s, Words.S_OWNER_COUNT, Words.M8, count);
        emit OwnerRemoved(owner, slotPlusOne - 1);
    }

    /// @inheritdoc ITierGuardWallet
    function setThreshold(uint8 threshold) external onlySelf {
        _setThreshold(threshold);
    }

    /// @inheritdoc ITierGuardWallet
    function setGuardian(address guardian, bool enabled) external onlySelf {
        if (guardian == address(0)) revert TierGuardInvalidOwner(guardian);
        _guardians[guardian] = enabled;
        emit GuardianSet(guardian, enabled);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _addOwner(address owner) internal {
        if (owner == address(0) || owner == address(this)) revert TierGuardInvalidOwner(owner);
        if (_ownerSlotOf[owner] != 0) revert TierGuardOwnerExists(owner);
        uint256 slot = MAX_OWNERS;
        for (uint256 i; i < MAX_OWNERS; ++i) {
            if (_ownerSlots[i] == address(0)) {
                slot = i;
                break;
            }
        }
        if (slot == MAX_OWNERS) revert TierGuardTooManyOwners(MAX_OWNERS);
        _ownerSlots[slot] = owner;
        _ownerSlotOf[owner] = uint8(slot + 1);
        uint256 s = _settings;
        _settings = Words.set(s, Words.S_OWNER_COUNT, Words.M8, uint8(s >> Words.S_OWNER_COUNT) + 1);
        emit OwnerAdded(owner, uint8(slot));
    }

    function _setThreshold(uint8 threshold) internal {
        uint256 count = uint8(_settings >> Words.S_OWNER_COUNT);
        if (threshold == 0 || threshold > count) revert TierGuardInvalidThreshold(threshold, count);
        _hot = _hot.withThreshold(threshold);
        emit ThresholdChanged(threshold);
    }
}
