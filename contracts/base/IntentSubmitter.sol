// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Classifier} from "./Classifier.sol";
import {Hot, Key, Words} from "../libraries/Words.sol";

/// @title IntentSubmitter
/// @notice The one submission path of every agent payment: checks the session key, classifies the intent, counts
/// it, then pays it (autonomous), queues it (supervised, collaborative) or records it as blocked (prohibited).
/// @dev Compiled into both the wallet (`spend`) and its extension (`TierGuardExtension`: idempotent and signed
/// submissions, reached through the wallet's fallback), so every entry point classifies and counts exactly as
/// `spend` does. The extension runs it by DELEGATECALL, in the wallet's storage.
abstract contract IntentSubmitter is Classifier {
    using SafeERC20 for IERC20;

    /// @dev Submits an intent on behalf of the session key `_submitter()` returns. Reverts as `spend` documents;
    /// emits `IntentSubmitted`.
    function _submit(
        address token,
        uint256 amount,
        address recipient,
        uint8 category,
        string calldata justification,
        bool x402
    ) internal returns (bytes32 intentId, Tier tier, Status status, uint256 details) {
        Key grant = _keys[_submitter()];
        bytes32 agentId = grant.agentId();
        if (agentId == bytes32(0)) revert TierGuardNotSessionKey(_submitter());
        if (block.timestamp >= grant.validUntil()) {
            revert TierGuardSessionKeyExpired(_submitter(), grant.validUntil(), block.timestamp);
        }
        if (bytes(justification).length > MAX_JUSTIFICATION) {
            revert TierGuardJustificationTooLong(bytes(justification).length, MAX_JUSTIFICATION);
        }
        Hot h = _hot;
        uint256 agentWord;
        uint256 budgetWord;
        (details, agentWord, budgetWord) = _classify(
            h,
            agentId,
            token,
            amount,
            recipient,
            category
        );
        tier = Tier(uint8(details >> Words.D_TIER));

        // Effects: the agent's counters (and its nonce, from which the id derives) and the tier's budget.
        uint256 nonce = agentWord >> Words.A_NONCE;
        intentId = _intentId(agentId, nonce);
        unchecked {
            _agents[agentId] = (agentWord & ~(Words.M40 << Words.A_NONCE)) | ((nonce + 1) << Words.A_NONCE);
        }
        if (budgetWord != 0) _budgets[uint8(tier)] = budgetWord;

        details |= uint256(h.policyVersion()) << Words.D_VERSION;
        if (tier == Tier.Autonomous) {
            emit IntentSubmitted(intentId, agentId, recipient, _submitter(), token, amount, details, justification);
            // Interaction last. A failed transfer reverts the whole call, counters included. An x402 payment is
            // not transferred here: its facilitator settles the authorization the caller records.
            if (!x402) _pay(token, recipient, amount);
            return (intentId, tier, Status.Executed, details);
        }
        if (tier == Tier.Prohibited) {
            status = Status.Blocked;
            _countBlocked(agentId);
        } else {
            (status, details) = _queue(intentId, agentId, token, amount, recipient, details, x402);
        }
        emit IntentSubmitted(intentId, agentId, recipient, _submitter(), token, amount, details, justification);
    }

    /// @dev The session key an intent is submitted with: the caller. A module that submits intents signed by a
    /// session key overrides it to return the signer while it submits one. (The key is not a parameter of
    /// `_submit`: in the wallet this inlines to CALLER, and `spend` costs what it cost before the split.)
    function _submitter() internal view virtual returns (address) {
        return msg.sender;
    }

    /// @dev Counts a blocked attempt in the agent's fixed 24-hour window. Past the policy's cap the call reverts:
    /// the attempts up to the cap are all recorded, and an agent cannot flood the audit trail and the alerts.
    function _countBlocked(bytes32 agentId) private {
        uint256 max = (_settings >> Words.S_MAX_BLOCKED) & Words.M16;
        if (max == 0) return;
        uint256 w = _blockedAttempts[agentId];
        uint256 start = w & Words.M40;
        uint256 count = w >> 40;
        if (block.timestamp >= start + BLOCKED_WINDOW) (start, count) = (block.timestamp, 0);
        if (count >= max) revert TierGuardTooManyBlockedAttempts(agentId, max);
        _blockedAttempts[agentId] = start | ((count + 1) << 40);
    }

    /// @dev Stores a supervised or collaborative intent's commitment; returns its status and completed details.
    function _queue(
        bytes32 intentId,
        bytes32 agentId,
        address token,
        uint256 amount,
        address recipient,
        uint256 details,
        bool x402
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
            category: uint8(details),
            tier: tier,
            submittedAt: uint40(block.timestamp),
            notBefore: notBefore,
            deadline: deadline,
            policyVersion: uint32(details >> Words.D_VERSION),
            budgetEpoch: uint24(details >> Words.D_EPOCH),
            trust: Trust(uint8(details >> Words.D_TRUST) & 0xf)
        });
        // The x402 flag tells the wallet's execution to authorize the payment instead of transferring it.
        _intents[intentId] = _commit(keccak256(abi.encode(p)), status) | (x402 ? Words.I_X402_BIT : 0);
        details |= (uint256(notBefore) << Words.D_NOT_BEFORE) | (uint256(deadline) << Words.D_DEADLINE);
        return (status, details);
    }

    /// @dev Pays `amount` of `token` (address(0): ETH) to `to`, or reverts.
    function _pay(address token, address to, uint256 amount) internal {
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

    /// @dev A fresh commitment: the hash's upper 192 bits and a status, no approvals.
    function _commit(bytes32 hash, Status status) internal pure returns (uint256) {
        return ((uint256(hash) >> 64) << 64) | uint8(status);
    }
}
