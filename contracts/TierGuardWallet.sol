// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {OwnerManager} from "./base/OwnerManager.sol";
import {PolicyManager} from "./base/PolicyManager.sol";
import {ITierGuardWallet} from "./interfaces/ITierGuardWallet.sol";
import {IntentSubmitter} from "./base/IntentSubmitter.sol";
import {TierGuardExtension} from "./TierGuardExtension.sol";
import {Hot, Key, Words} from "./libraries/Words.sol";

/// @title TierGuardWallet
/// @notice A wallet whose agents pay only along the approval path of each payment's autonomy tier.
/// Agents hold session keys and can do exactly one thing: `spend` a payment intent. There is no generic
/// execute: funds leave only by `transfer` of an accepted token or an ETH send, to an intent's recipient (or
/// by the owners' M-of-N `withdraw`). Other external calls: `decimals()` of tokens and feeds when owners
/// configure them, a feed's `latestRoundData()` to value a payment, an owner contract's `isValidSignature`.
/// @dev Composition: `WalletStorage` (state) <- `OwnerManager` (owners, signatures, pause) and
/// `Classifier` <- `PolicyManager` (policy, keys), `IntentSubmitter` (the submission path) <- this contract
/// (intents and funds). The views and the agents' other entry points are in the `TierGuardExtension` module,
/// served through the fallback.
contract TierGuardWallet is OwnerManager, PolicyManager, IntentSubmitter {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;

    bytes32 internal constant APPROVAL_TYPEHASH = keccak256(
        "Approval(bytes32 intentId,address token,uint256 amount,address recipient,uint256 deadline)"
    );

    /// @dev Size of an ABI-encoded PendingIntent: 13 static fields of one word each.
    uint256 private constant PENDING_INTENT_SIZE = 13 * 32;

    /// @dev The extension module serving `ITierGuardViews` and the extension's entry points (see the fallback).
    address private immutable _extension;

    /// @param initialOwners the owners (EOAs or ERC-1271 contract wallets), at most 16, no duplicates
    /// @param threshold_ M, the number of distinct owner approvals required
    constructor(address[] memory initialOwners, uint8 threshold_) OwnerManager(initialOwners, threshold_) {
        // The extension's creation code is part of this constructor only, not of the wallet's runtime bytecode.
        _extension = address(new TierGuardExtension());
    }

    /// @notice Accepts ETH deposits.
    receive() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Serves every function this contract does not implement (the views of `ITierGuardViews` and the
    /// extension's entry points) by delegating to the wallet's `TierGuardExtension`, which runs them in this
    /// wallet's storage, under its shared reentrancy guard. Unknown selectors revert there, without data.
    fallback() external {
        address extension = _extension;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), extension, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 SUBMIT
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function spend(
        address token,
        uint256 amount,
        address recipient,
        uint8 category,
        string calldata justification
    ) external nonReentrant returns (bytes32 intentId, Tier tier, Status status) {
        (intentId, tier, status, ) = _submit(token, amount, recipient, category, justification, false);
    }

    /*//////////////////////////////////////////////////////////////
                             QUEUED INTENTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function veto(bytes32 intentId, PendingIntent calldata intent) external {
        _requireOwnerOrGuardian();
        _expectStatus(intentId, intent, Status.Queued);
        if (block.timestamp >= intent.notBefore) revert TierGuardVetoWindowOver(intentId, intent.notBefore);
        uint64 released = _close(intentId, intent);
        emit IntentVetoed(intentId, msg.sender, released);
    }

    /// @inheritdoc ITierGuardWallet
    function reject(bytes32 intentId, PendingIntent calldata intent) external {
        _requireOwner();
        _expectStatus(intentId, intent, Status.AwaitingApproval);
        if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
        uint64 released = _close(intentId, intent);
        emit IntentRejected(intentId, msg.sender, released);
    }

    /// @inheritdoc ITierGuardWallet
    function expire(bytes32 intentId, PendingIntent calldata intent) external {
        // Storage holds only waiting intents: the status is Queued or AwaitingApproval.
        Status status = _status(intentId, intent);
        if (block.timestamp < intent.deadline) revert TierGuardDeadlineNotReached(intentId, intent.deadline);
        Status closed = status == Status.Queued ? Status.Stale : Status.Expired;
        uint64 released = _close(intentId, intent);
        emit IntentExpired(intentId, closed, released);
    }

    /// @inheritdoc ITierGuardWallet
    function approve(bytes32 intentId, PendingIntent calldata intent) external nonReentrant returns (bool executed) {
        uint256 slot = _ownerSlotOf[msg.sender];
        if (slot == 0) revert TierGuardNotOwner(msg.sender);
        uint256 w = _expectOpenApproval(intentId, intent);
        uint256 bitmap = _onchainApprovals(w);
        uint256 bit = uint256(1) << (slot - 1);
        if (bitmap & bit != 0) revert TierGuardAlreadyApproved(intentId, msg.sender);
        bitmap |= bit;
        w = _withApprovals(w, bitmap);
        _intents[intentId] = w;
        emit IntentApproved(intentId, msg.sender);
        Hot h = _hot;
        if (_popcount(bitmap) >= h.threshold()) {
            executed = _settle(intentId, intent, w, false, h);
        }
    }

    /// @inheritdoc ITierGuardWallet
    function approveBySignatures(
        bytes32 intentId,
        PendingIntent calldata intent,
        OwnerSignature[] calldata signatures
    ) external nonReentrant returns (bool executed) {
        uint256 w = _expectOpenApproval(intentId, intent);
        bytes32 digest = _approvalDigest(intentId, intent);
        uint256 stored = _onchainApprovals(w);
        uint256 bitmap = stored;
        address previous;
        for (uint256 i; i < signatures.length; ++i) {
            address signer = signatures[i].signer;
            if (signer <= previous) revert TierGuardSignersNotSorted(previous, signer);
            previous = signer;
            uint256 slot = _ownerSlotOf[signer];
            if (slot == 0) revert TierGuardSignerNotOwner(signer);
            if (!_validSignature(signer, digest, signatures[i].signature)) revert TierGuardInvalidSignature(signer);
            uint256 bit = uint256(1) << (slot - 1);
            if (bitmap & bit == 0) {
                bitmap |= bit;
                emit IntentApproved(intentId, signer);
            }
        }
        Hot h = _hot;
        uint256 threshold = h.threshold();
        uint256 count = _popcount(bitmap);
        if (count < threshold) revert TierGuardNotEnoughApprovals(count, threshold);
        // If the payment is refused for a retryable reason, the signed approvals are recorded so that `execute`
        // can retry it later without the signatures.
        executed = _settle(intentId, intent, _withApprovals(w, bitmap), bitmap != stored, h);
    }

    /// @inheritdoc ITierGuardWallet
    function execute(bytes32 intentId, PendingIntent calldata intent) external nonReentrant returns (bool executed) {
        uint256 w = _load(intentId, intent);
        Status status = Status(uint8(w));
        Hot h = _hot;
        if (status == Status.Queued) {
            if (block.timestamp < intent.notBefore) revert TierGuardVetoWindowOpen(intentId, intent.notBefore);
            if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
        } else {
            // AwaitingApproval: storage holds only waiting intents.
            if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
            uint256 count = _popcount(_onchainApprovals(w));
            uint256 threshold = h.threshold();
            if (count < threshold) revert TierGuardNotEnoughApprovals(count, threshold);
        }
        return _settle(intentId, intent, w, false, h);
    }

    /// @inheritdoc ITierGuardWallet
    function freezeAgent(bytes32 agentId, QueuedIntent[] calldata queued) external nonReentrant {
        if (msg.sender != address(this)) _requireOwner();
        if (agentId == bytes32(0) || uint256(agentId) & Words.M40 != 0) revert TierGuardInvalidAgent();
        _agents[agentId] |= Words.A_FROZEN_BIT;
        // Revoke every key of the agent. Walking the set backwards keeps removal (swap with last) safe.
        uint256 revoked;
        for (uint256 i = _keySet.length(); i > 0; --i) {
            address key = _keySet.at(i - 1);
            if (_keys[key].agentId() == agentId) {
                _keys[key] = Key.wrap(0);
                _keySet.remove(key);
                emit SessionKeyRevoked(agentId, key, msg.sender);
                ++revoked;
            }
        }
        for (uint256 i; i < queued.length; ++i) {
            PendingIntent calldata intent = queued[i].intent;
            bytes32 intentId = queued[i].intentId;
            _load(intentId, intent);
            if (intent.agentId != agentId) revert TierGuardUnknownIntent(intentId);
            emit IntentRefused(intentId, Refusal.AgentFrozen, true, _close(intentId, intent));
        }
        emit AgentFrozen(agentId, msg.sender, revoked, queued.length);
    }

    /*//////////////////////////////////////////////////////////////
                                 FUNDS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function withdraw(address token, address to, uint256 amount) external onlySelf {
        if (to == address(0) || to == address(this)) revert TierGuardInvalidRecipient(to);
        if (amount == 0) revert TierGuardZeroAmount();
        emit Withdrawn(token, to, amount);
        _pay(token, to, amount);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITierGuardWallet
    function approvalDigest(bytes32 intentId, PendingIntent calldata intent) external view returns (bytes32) {
        return _approvalDigest(intentId, intent);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Pays a queued intent after re-checking every prohibition, as the policy stands now. Refusals are
    /// recorded, not reverted: final ones (agent frozen, recipient blocked, category or trust prohibited, token
    /// delisted) close the intent, retryable ones (paused, not enough balance) leave it queued.
    /// @param w the intent's commitment word as it stands (with any approvals of this call)
    /// @param unsaved whether `w` still has to be written to keep the intent queued after a retryable refusal
    /// @param h the hot word (read by the caller)
    function _settle(
        bytes32 intentId,
        PendingIntent calldata intent,
        uint256 w,
        bool unsaved,
        Hot h
    ) internal returns (bool) {
        if (h.paused()) {
            if (unsaved) _intents[intentId] = w;
            emit IntentRefused(intentId, Refusal.Paused, false, 0);
            return false;
        }
        uint256 a = _agents[intent.agentId];
        Trust trust = intent.trust;
        Refusal refusal = Refusal.Paused; // Paused here means "not refused"
        if (a & Words.A_FROZEN_BIT != 0) {
            refusal = Refusal.AgentFrozen;
        } else if (h.policyVersion() != intent.policyVersion) {
            // Every prohibition is policy, and every policy change bumps the version: when it is the version the
            // intent was submitted under, nothing below can have changed and three cold reads are saved.
            trust = _trust[intent.recipient];
            if (trust == Trust.Blocked) refusal = Refusal.RecipientBlocked;
            else if (h.trustProhibited(uint8(trust))) refusal = Refusal.TrustProhibited;
            else if ((_settings >> (Words.S_PROHIBITED_CATEGORIES + intent.category)) & 1 != 0) {
                refusal = Refusal.CategoryProhibited;
            } else if (_tokenWords[intent.token] == 0) refusal = Refusal.TokenNotAccepted;
        }
        if (refusal != Refusal.Paused) {
            emit IntentRefused(intentId, refusal, true, _close(intentId, intent));
            return false;
        }
        // Effects before the interaction; undone (and the refusal recorded) if the wallet cannot pay now.
        delete _intents[intentId];
        _agents[intent.agentId] = a - (uint256(1) << Words.A_OPEN);
        if (w & Words.I_X402_BIT != 0) {
            // An x402 intent (`authorizeX402`) is paid by its facilitator settling the recorded EIP-3009
            // authorization on the token: executing it makes that authorization valid, and never transfers.
            bytes32 digest = _x402Intents[intentId];
            delete _x402Intents[intentId];
            _x402Auths[digest] = (_x402Auths[digest] & ~Words.M8) | uint256(X402Status.Authorized);
        } else if (!_tryPay(intent.token, intent.recipient, intent.amount)) {
            _intents[intentId] = w;
            _agents[intent.agentId] = a;
            emit IntentRefused(intentId, Refusal.TransferFailed, false, 0);
            return false;
        }
        emit IntentExecuted(intentId, msg.sender);
        if (intent.tier == Tier.Collaborative && trust == Trust.Unknown) _promote(intent.recipient, h);
        return true;
    }

    /// @dev After an owner-approved payment, an Unknown recipient becomes Known if the policy says so, and never
    /// out of or into a prohibited trust level.
    function _promote(address recipient, Hot h) private {
        if ((_settings >> Words.S_AUTO_PROMOTE) & 1 == 0) return;
        if (h.prohibitedTrust() & 3 != 0) return;
        // The trust recorded at submission may be out of date (an earlier payment promoted the recipient).
        if (_trust[recipient] != Trust.Unknown) return;
        _setTrust(recipient, Trust.Known);
        emit RecipientTrustSet(recipient, Trust.Known, true, _version());
    }

    /// @dev Closes a queued intent without paying (its commitment is deleted: storage holds only intents that
    /// still wait, and the refund makes deciding cheaper), takes it off its agent's open intents and gives its
    /// budgeted value back to the tier's budget, only if the budget window it was counted in is still the
    /// current one (same epoch: a window that opened since, even in the same second, is never credited).
    function _close(bytes32 intentId, PendingIntent calldata intent) private returns (uint64 released) {
        delete _intents[intentId];
        _agents[intent.agentId] -= uint256(1) << Words.A_OPEN;
        return _releaseBudget(intent.tier, intent.budgetEpoch, intent.value);
    }

    /// @dev Pays without reverting: false if the balance is short, the token refuses or the recipient rejects ETH.
    function _tryPay(address token, address to, uint256 amount) private returns (bool ok) {
        if (token != address(0)) return IERC20(token).trySafeTransfer(to, amount);
        if (address(this).balance < amount) return false;
        (ok, ) = payable(to).call{value: amount}("");
    }

    function _status(bytes32 intentId, PendingIntent calldata intent) private view returns (Status) {
        return Status(uint8(_load(intentId, intent)));
    }

    /// @dev The intent's commitment word, after checking that `intent` is exactly what was queued.
    function _load(bytes32 intentId, PendingIntent calldata intent) private view returns (uint256 w) {
        w = _intents[intentId];
        if (w == 0 || (w >> 64) != (uint256(_hashIntent(intent)) >> 64)) {
            revert TierGuardUnknownIntent(intentId);
        }
    }

    function _expectStatus(
        bytes32 intentId,
        PendingIntent calldata intent,
        Status expected
    ) private view returns (uint256 w) {
        w = _load(intentId, intent);
        if (Status(uint8(w)) != expected) revert TierGuardWrongStatus(intentId, Status(uint8(w)));
    }

    function _expectOpenApproval(bytes32 intentId, PendingIntent calldata intent) private view returns (uint256 w) {
        w = _expectStatus(intentId, intent, Status.AwaitingApproval);
        if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
    }

    function _withApprovals(uint256 w, uint256 bitmap) private view returns (uint256) {
        return (w & ~(uint256(Words.M16 | (Words.M32 << 16)) << 8)) | (bitmap << 8) | (uint256(_ownerEpoch) << 24);
    }

    function _approvalDigest(bytes32 intentId, PendingIntent calldata intent) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        APPROVAL_TYPEHASH,
                        intentId,
                        intent.token,
                        intent.amount,
                        intent.recipient,
                        uint256(intent.deadline)
                    )
                )
            );
    }

    /// @dev keccak256(abi.encode(intent)) straight from calldata: PendingIntent has only static fields, so its ABI
    /// encoding is its 13 words as they sit in calldata. This skips decoding every field; a non-canonical encoding
    /// (dirty high bits) hashes differently from the commitment and is refused as an unknown intent.
    function _hashIntent(PendingIntent calldata intent) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, intent, PENDING_INTENT_SIZE)
            hash := keccak256(ptr, PENDING_INTENT_SIZE)
        }
    }
}
