// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {OwnerManager} from "./base/OwnerManager.sol";
import {PolicyManager} from "./base/PolicyManager.sol";
import {ITierGuardWallet} from "./interfaces/ITierGuardWallet.sol";
import {Words} from "./libraries/Words.sol";

/// @title TierGuardWallet
/// @notice A wallet whose agents pay only along the approval path of each payment's autonomy tier.
/// Agents hold session keys and can do exactly one thing: `spend` a payment intent. There is no generic
/// execute: the wallet only ever calls `transfer` on an accepted token or sends ETH to a recipient.
/// @dev Composition: `WalletStorage` (state) <- `OwnerManager` (owners, signatures, pause) and
/// `Classifier` <- `PolicyManager` (policy, keys, views) <- this contract (intents and funds).
contract TierGuardWallet is OwnerManager, PolicyManager {
    using SafeERC20 for IERC20;

    bytes32 internal constant APPROVAL_TYPEHASH = keccak256(
        "Approval(bytes32 intentId,address token,uint256 amount,address recipient,uint256 deadline)"
    );

    /// @param initialOwners the owners (EOAs or ERC-1271 contract wallets), at most 16, no duplicates
    /// @param threshold_ M, the number of distinct owner approvals required
    constructor(address[] memory initialOwners, uint8 threshold_) OwnerManager(initialOwners, threshold_) {}

    /// @notice Accepts ETH deposits.
    receive() external payable {
        emit Deposited(msg.sender, msg.value);
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
        uint256 grant = _keys[msg.sender];
        bytes32 agentId = bytes32(grant & ~Words.M40);
        if (agentId == bytes32(0)) revert TierGuardNotSessionKey(msg.sender);
        if (block.timestamp >= uint40(grant)) {
            revert TierGuardSessionKeyExpired(msg.sender, uint40(grant), block.timestamp);
        }
        if (bytes(justification).length > MAX_JUSTIFICATION) {
            revert TierGuardJustificationTooLong(bytes(justification).length, MAX_JUSTIFICATION);
        }
        uint256 h = _hot;
        (uint256 details, uint256 agentWord, uint256 budgetWord) = _classify(
            h,
            agentId,
            token,
            amount,
            recipient,
            category
        );
        tier = Tier(uint8(details >> Words.D_TIER));

        // Effects: the agent's counters (and its nonce, from which the id derives) and the tier's budget.
        uint256 nonce = agentWord >> 216;
        intentId = _intentId(agentId, nonce);
        unchecked {
            _agents[agentId] = (agentWord & ~(Words.M40 << 216)) | ((nonce + 1) << 216);
        }
        if (budgetWord != 0) _budgets[uint8(tier)] = budgetWord;

        details |= ((h >> Words.H_VERSION) & Words.M32) << Words.D_VERSION;
        if (tier == Tier.Autonomous) {
            emit IntentSubmitted(intentId, agentId, recipient, msg.sender, token, amount, details, justification);
            // Interaction last. A failed transfer reverts the whole call, counters included.
            _pay(token, recipient, amount);
            return (intentId, tier, Status.Executed);
        }
        if (tier == Tier.Prohibited) {
            status = Status.Blocked;
        } else {
            (status, details) = _queue(intentId, agentId, token, amount, recipient, details);
        }
        emit IntentSubmitted(intentId, agentId, recipient, msg.sender, token, amount, details, justification);
    }

    /// @dev Stores a supervised or collaborative intent's commitment; returns its status and completed details.
    function _queue(
        bytes32 intentId,
        bytes32 agentId,
        address token,
        uint256 amount,
        address recipient,
        uint256 details
    ) private returns (Status status, uint256) {
        Tier tier = Tier(uint8(details >> Words.D_TIER));
        uint256 rules = _tiers[uint8(tier)];
        uint40 notBefore = uint40(block.timestamp);
        uint40 deadline;
        if (tier == Tier.Supervised) {
            status = Status.Queued;
            notBefore += uint40(uint32(rules >> 192));
            deadline = notBefore + uint24(rules >> 224);
        } else {
            status = Status.AwaitingApproval;
            deadline = notBefore + uint40(uint32(rules >> 192));
        }
        uint64 value = uint64(details >> Words.D_VALUE);
        PendingIntent memory p = PendingIntent({
            agentId: agentId,
            token: token,
            amount: amount,
            recipient: recipient,
            value: value,
            budgeted: details & Words.D_BUDGETED_BIT != 0 ? value : 0,
            category: uint8(details),
            tier: tier,
            submittedAt: uint40(block.timestamp),
            notBefore: notBefore,
            deadline: deadline
        });
        _intents[intentId] = _commit(keccak256(abi.encode(p)), status);
        details |= (uint256(notBefore) << Words.D_NOT_BEFORE) | (uint256(deadline) << Words.D_DEADLINE);
        return (status, details);
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
        _intents[intentId] = _withApprovals(w, bitmap);
        emit IntentApproved(intentId, msg.sender);
        if (_popcount(bitmap) >= uint8(_hot >> Words.H_THRESHOLD)) {
            executed = _settle(intentId, intent);
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
        uint256 threshold = uint8(_hot >> Words.H_THRESHOLD);
        uint256 count = _popcount(bitmap);
        if (count < threshold) revert TierGuardNotEnoughApprovals(count, threshold);
        // Record the signed approvals first: if the payment is refused for a retryable reason, `execute` can
        // retry it later without the signatures.
        if (bitmap != stored) _intents[intentId] = _withApprovals(w, bitmap);
        executed = _settle(intentId, intent);
    }

    /// @inheritdoc ITierGuardWallet
    function execute(bytes32 intentId, PendingIntent calldata intent) external nonReentrant returns (bool executed) {
        Status status = _status(intentId, intent);
        if (status == Status.Queued) {
            if (block.timestamp < intent.notBefore) revert TierGuardVetoWindowOpen(intentId, intent.notBefore);
            if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
        } else {
            // AwaitingApproval: storage holds only waiting intents.
            if (block.timestamp >= intent.deadline) revert TierGuardDeadlinePassed(intentId, intent.deadline);
            uint256 count = _popcount(_onchainApprovals(_intents[intentId]));
            uint256 threshold = uint8(_hot >> Words.H_THRESHOLD);
            if (count < threshold) revert TierGuardNotEnoughApprovals(count, threshold);
        }
        return _settle(intentId, intent);
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
    function intentStatus(bytes32 intentId) external view returns (Status) {
        return Status(uint8(_intents[intentId]));
    }

    /// @inheritdoc ITierGuardWallet
    function approvals(bytes32 intentId) external view returns (address[] memory list) {
        uint256 bitmap = _onchainApprovals(_intents[intentId]);
        list = new address[](_popcount(bitmap));
        uint256 j;
        for (uint256 i; i < MAX_OWNERS; ++i) {
            if ((bitmap >> i) & 1 != 0) list[j++] = _ownerSlots[i];
        }
    }

    /// @inheritdoc ITierGuardWallet
    function approvalDigest(bytes32 intentId, PendingIntent calldata intent) external view returns (bytes32) {
        return _approvalDigest(intentId, intent);
    }

    /// @inheritdoc ITierGuardWallet
    function intentIdFor(bytes32 agentId, uint40 nonce) external pure returns (bytes32) {
        if (uint256(agentId) & Words.M40 != 0) revert TierGuardInvalidAgent();
        return _intentId(agentId, nonce);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Pays a queued intent after re-checking what may have changed since it was queued. Refusals are
    /// recorded, not reverted: final ones (recipient blocked, token delisted) close the intent, retryable ones
    /// (paused, not enough balance) leave it queued.
    function _settle(bytes32 intentId, PendingIntent calldata intent) internal returns (bool) {
        if (_hot & 1 != 0) {
            emit IntentRefused(intentId, Refusal.Paused, false, 0);
            return false;
        }
        Trust trust = _trust[intent.recipient];
        Refusal refusal;
        bool refused;
        if (trust == Trust.Blocked) (refused, refusal) = (true, Refusal.RecipientBlocked);
        else if (_tokenWords[intent.token] == 0) (refused, refusal) = (true, Refusal.TokenNotAccepted);
        if (refused) {
            uint64 released = _close(intentId, intent);
            emit IntentRefused(intentId, refusal, true, released);
            return false;
        }
        // Effects before the interaction; undone (and the refusal recorded) if the wallet cannot pay now.
        uint256 w = _intents[intentId];
        delete _intents[intentId];
        if (!_tryPay(intent.token, intent.recipient, intent.amount)) {
            _intents[intentId] = w;
            emit IntentRefused(intentId, Refusal.TransferFailed, false, 0);
            return false;
        }
        emit IntentExecuted(intentId, msg.sender);
        if (intent.tier == Tier.Collaborative && trust == Trust.Unknown) _promote(intent.recipient);
        return true;
    }

    /// @dev After an owner-approved payment, an Unknown recipient becomes Known if the policy says so.
    function _promote(address recipient) private {
        if ((_settings >> Words.S_AUTO_PROMOTE) & 1 == 0) return;
        _setTrust(recipient, Trust.Known);
        emit RecipientTrustSet(recipient, Trust.Known, true, _version());
    }

    /// @dev Closes a queued intent without paying (its commitment is deleted: storage holds only intents that
    /// still wait, and the refund makes deciding cheaper) and gives its budgeted value back to the tier's budget if
    /// the budget window it was counted in is still the current one.
    function _close(bytes32 intentId, PendingIntent calldata intent) private returns (uint64 released) {
        delete _intents[intentId];
        uint64 budgeted = intent.budgeted;
        if (budgeted == 0) return 0;
        uint256 b = _budgets[uint8(intent.tier)];
        uint256 spent = Words.get(b, 136, Words.M96);
        if (b == 0 || Words.get(b, 96, Words.M40) > intent.submittedAt) return 0;
        released = spent < budgeted ? uint64(spent) : budgeted;
        _budgets[uint8(intent.tier)] = Words.set(b, 136, Words.M96, spent - released);
    }

    function _pay(address token, address to, uint256 amount) private {
        if (token == address(0)) {
            if (address(this).balance < amount) {
                revert TierGuardInsufficientBalance(token, address(this).balance, amount);
            }
            (bool ok, ) = payable(to).call{value: amount}("");
            if (!ok) revert TierGuardNativeTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
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
        if (w == 0 || (w >> 64) != (uint256(keccak256(abi.encode(intent))) >> 64)) {
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

    /// @dev On-chain approvals still valid: those recorded before an owner was removed are void.
    function _onchainApprovals(uint256 w) private view returns (uint256) {
        uint256 bitmap = (w >> 8) & Words.M16;
        if (bitmap == 0) return 0;
        return uint32(w >> 24) == _ownerEpoch ? bitmap : 0;
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

    /// @dev A fresh commitment: the hash's upper 192 bits and a status, no approvals.
    function _commit(bytes32 hash, Status status) private pure returns (uint256) {
        return ((uint256(hash) >> 64) << 64) | uint8(status);
    }

    /// @dev An agent id has its low 40 bits clear and nonces are 40 bits wide, so the id is the agent id with
    /// the agent's sequence number in its last 5 bytes: unique per wallet, readable, and free to compute.
    function _intentId(bytes32 agentId, uint256 nonce) private pure returns (bytes32) {
        return agentId | bytes32(nonce);
    }

    function _popcount(uint256 x) private pure returns (uint256 n) {
        for (; x != 0; x &= x - 1) ++n;
    }
}
