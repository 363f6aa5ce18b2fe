// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardBase} from "./ITierGuardBase.sol";

/// @title TierGuard wallet interface
/// @notice The functions the wallet contract implements itself: agents' submissions, queued intents, owner
/// actions and configuration. Its read-only views are in `ITierGuardViews` and other agent entry points in the
/// extension's interfaces; the wallet serves them too (its fallback delegates them to its `TierGuardExtension`),
/// and its published ABI is the union of all.
interface ITierGuardWallet is ITierGuardBase {
    /*//////////////////////////////////////////////////////////////
                            AGENT FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Submits a payment intent with the caller's session key (the only thing a session key can do). The wallet classifies it and pays it
    /// now (autonomous), queues it (supervised, collaborative) or records it as blocked (prohibited: does not revert).
    /// @param token the token to pay, address(0) for native ETH
    /// @param amount in the token's smallest unit, non-zero
    /// @param recipient who is paid; not the wallet itself
    /// @param category a defined category id
    /// @param justification why the agent pays, at most 512 bytes; recorded in the event
    /// @return intentId the intent's id, unique in this wallet
    /// @return tier the tier it was classified into
    /// @return status Executed, Queued, AwaitingApproval or Blocked
    function spend(
        address token,
        uint256 amount,
        address recipient,
        uint8 category,
        string calldata justification
    ) external returns (bytes32 intentId, Tier tier, Status status);

    /*//////////////////////////////////////////////////////////////
                           QUEUED INTENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Vetoes a supervised intent before its veto window ends. Any single owner or guardian.
    function veto(bytes32 intentId, PendingIntent calldata intent) external;

    /// @notice Approves a collaborative intent on-chain; the approval that reaches the threshold also executes it.
    /// @return executed whether the intent was paid in this call
    function approve(bytes32 intentId, PendingIntent calldata intent) external returns (bool executed);

    /// @notice Executes a collaborative intent with owners' EIP-712 `Approval` signatures (sorted by signer),
    /// counted together with on-chain approvals. Anyone may submit them.
    /// @return executed whether the intent was paid (false if refused for a retryable reason)
    function approveBySignatures(
        bytes32 intentId,
        PendingIntent calldata intent,
        OwnerSignature[] calldata signatures
    ) external returns (bool executed);

    /// @notice Rejects a collaborative intent. Any single owner.
    function reject(bytes32 intentId, PendingIntent calldata intent) external;

    /// @notice Pays a supervised intent whose veto window is over, or a collaborative one with enough on-chain
    /// approvals (e.g. after a retryable refusal). Anyone.
    /// @return executed whether the intent was paid (false if refused; the refusal is recorded)
    function execute(bytes32 intentId, PendingIntent calldata intent) external returns (bool executed);

    /// @notice Finalises a queued intent whose deadline passed: Expired (collaborative) or Stale (supervised). Anyone.
    function expire(bytes32 intentId, PendingIntent calldata intent) external;

    /*//////////////////////////////////////////////////////////////
                           OWNER FUNCTIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Runs a batch of calls to this wallet's self-only functions, authorised by M distinct owners'
    /// EIP-712 `OwnerAction` signatures over (keccak of the calls, nonce, deadline). All calls or none.
    function ownerAction(bytes[] calldata calls, uint256 deadline, OwnerSignature[] calldata signatures) external;

    /// @notice Pauses all agent submissions and executions. Any single owner or guardian.
    function pause() external;

    /// @notice Revokes a session key at once. Any single owner, or the wallet itself. The agent's queued intents
    /// stay queued (key rotation); use `freezeAgent` to stop them too.
    function revokeSessionKey(address key) external;

    /// @notice Freezes an agent at once: revokes all its session keys, closes the given queued intents of it
    /// (each refused with AgentFrozen, its budget released as for a veto) and refuses any other of its queued
    /// intents at execution. No key can be granted to it until the owners unfreeze it. Any single owner, or the
    /// wallet itself. Calling it again on a frozen agent closes more of its queued intents.
    /// @param queued the agent's queued intents to close now (from the indexer or the SDK's queue listing)
    function freezeAgent(bytes32 agentId, QueuedIntent[] calldata queued) external;

    /*//////////////////////////////////////////////////////////////
                SELF-ONLY CONFIGURATION (through ownerAction)
    //////////////////////////////////////////////////////////////*/

    /// @notice Adds an owner (at most 16).
    function addOwner(address owner) external;
    /// @notice Removes an owner; on-chain approvals made before are void. The threshold must stay reachable.
    function removeOwner(address owner) external;
    /// @notice Sets M, the number of owner approvals required (1 <= M <= owners).
    function setThreshold(uint8 threshold) external;
    /// @notice Lets `guardian` veto and pause (not unpause, approve or configure).
    function setGuardian(address guardian, bool enabled) external;
    /// @notice Resumes agent spending.
    function unpause() external;
    /// @notice Grants (or extends) a session key for an agent identity until `validUntil` (exclusive).
    function grantSessionKey(address key, bytes32 agentId, uint40 validUntil) external;
    /// @notice Defines (or renames) category `category` (0..63).
    function defineCategory(uint8 category, bytes32 name) external;
    /// @notice Removes a category that no tier or prohibition uses.
    function undefineCategory(uint8 category) external;
    /// @notice Sets a tier's conditions and timing (Autonomous, Supervised or Collaborative).
    function setTierRules(Tier tier, TierRules calldata rules) external;
    /// @notice Sets (max > 0) or removes (max = 0) a tier's wallet-wide budget per `period` seconds.
    function setBudget(Tier tier, uint64 max, uint32 period) external;
    /// @notice Sets the prohibited categories and the prohibited trust levels (bit i = `Trust` i, i < 3).
    function setProhibitions(uint64 categories, uint8 trustMask) external;
    /// @notice Sets where intents that match no tier go: Collaborative or Prohibited.
    function setUnmatchedTier(Tier tier) external;
    /// @notice Enables promotion of Unknown recipients to Known after an owner-approved payment executes (never
    /// when Unknown or Known is a prohibited trust level).
    function setAutoPromote(bool enabled) external;
    /// @notice Sets the most open (queued) intents one agent may have at a time (0: none may queue).
    function setMaxOpenIntents(uint16 maxOpenIntents) external;
    /// @notice Sets the most blocked (prohibited) attempts one agent may make per 24 hours (0: no cap). Beyond it
    /// `spend` reverts with TierGuardTooManyBlockedAttempts instead of recording yet another blocked attempt.
    function setMaxBlockedAttempts(uint16 maxBlockedAttempts) external;
    /// @notice Lets session keys be granted to a frozen agent again. Its queued intents must all be closed.
    function unfreezeAgent(bytes32 agentId) external;
    /// @notice Accepts a token (address(0) = ETH) with a fixed price (18 decimals) or a price feed.
    function configureToken(address token, PriceKind kind, uint160 source, uint32 maxStaleness) external;
    /// @notice Stops accepting a token; queued intents in it are refused at execution.
    function removeToken(address token) external;
    /// @notice Sets a recipient's trust level.
    function setRecipientTrust(address recipient, Trust trust) external;
    /// @notice Moves funds out of the wallet (owners only, M-of-N).
    function withdraw(address token, address to, uint256 amount) external;

    /*//////////////////////////////////////////////////////////////
                                DIGESTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The EIP-712 digest owners sign for an owner action.
    function ownerActionDigest(bytes[] calldata calls, uint256 nonce, uint256 deadline) external view returns (bytes32);
    /// @notice The EIP-712 digest owners sign to approve a collaborative intent.
    function approvalDigest(bytes32 intentId, PendingIntent calldata intent) external view returns (bytes32);
}
