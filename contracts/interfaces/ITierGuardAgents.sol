// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardBase} from "./ITierGuardBase.sol";

/// @title TierGuard agent entry points beyond `spend`
/// @notice Idempotent and signed (gasless) submissions, called on the wallet's address and served by its
/// extension module (`extension/AgentPayments.sol`). Both classify and count exactly as `spend` does.
interface ITierGuardAgents is ITierGuardBase {
    /// @notice `spend` with an idempotency key: the first call with a key submits the intent and records
    /// (agent, key) -> intent; a later call by the agent with the same key and the same token, amount, recipient
    /// and category submits nothing, counts nothing, emits nothing and returns the first intent's result. So an
    /// agent that timed out, or was restarted, retries safely, even when both transactions are mined.
    /// @param idempotencyKey the agent's name for this payment request, non-zero (e.g. keccak256 of a request id)
    /// @return intentId the intent's id (the first one's on a retry)
    /// @return tier the tier it was classified into
    /// @return status what its submission returned: Executed, Queued, AwaitingApproval or Blocked (a queued intent
    /// may have been decided since: see `intentStatus` and its events)
    function spendIdempotent(
        address token,
        uint256 amount,
        address recipient,
        uint8 category,
        string calldata justification,
        bytes32 idempotencyKey
    ) external returns (bytes32 intentId, Tier tier, Status status);

    /// @notice Submits an intent that session key `key` signed (EIP-712 `SignedSpend`); anyone may call it and pays
    /// the gas, so the agent's machine needs none. Classified and counted as if `key` had called `spend`, with the
    /// idempotency key recorded as in `spendIdempotent`. Refused (reverts) when the signature does not verify for
    /// `key` (wrong signer or a changed field), after the deadline, or when the key was already used (replay).
    /// @param key the session key that signed (an EOA, or a contract answering ERC-1271)
    /// @param signature the key's signature over `signedSpendDigest(intent)`
    function spendSigned(
        SignedSpend calldata intent,
        address key,
        bytes calldata signature
    ) external returns (bytes32 intentId, Tier tier, Status status);

    /// @notice The intent an agent submitted with an idempotency key, as the submission returned it; all zero
    /// (intentId 0, status None) when the key was never used.
    function intentByKey(
        bytes32 agentId,
        bytes32 idempotencyKey
    ) external view returns (bytes32 intentId, Tier tier, Status status);

    /// @notice The EIP-712 digest a session key signs for `spendSigned`.
    function signedSpendDigest(SignedSpend calldata intent) external view returns (bytes32);
}
