// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardBase} from "./ITierGuardBase.sol";

/// @title TierGuard x402 payments
/// @notice How an agent pays an x402 API (the `exact` EVM scheme: an EIP-3009 `transferWithAuthorization` that the
/// API's facilitator settles on the token) from a TierGuard wallet, through the tiers. The agent submits the
/// authorization to `authorizeX402`; the wallet classifies and counts it exactly as `spend`, and records the EIP-3009
/// digest it computes itself. The token accepts the authorization only through the wallet's ERC-1271
/// `isValidSignature`, which returns the magic value only for a recorded digest that is authorized now: at once
/// for an autonomous payment, after the veto window or the owners' approvals for a queued one (its `execute`
/// authorizes instead of transferring), never for a prohibited one or for any digest the wallet did not compute.
/// An authorization that expires unsettled gives its budget back (`releaseX402`). Served by the wallet's extension
/// module through its fallback; called on the wallet's address.
interface ITierGuardX402 is ITierGuardBase {
    /// @notice Classifies an x402 payment like `spend` (same tier rules, counting, blocked recording; emits
    /// `IntentSubmitted`) and, unless prohibited, records the authorization `auth` of a transfer from this wallet
    /// (emits `X402PaymentAuthorized`). Autonomous: `isValidSignature` accepts it at once. Supervised and
    /// collaborative: queued as an intent; it becomes valid when the intent executes. Only a session key, as
    /// `spend`.
    /// @param auth the EIP-3009 TransferWithAuthorization the facilitator will settle (`from` is this wallet)
    /// @param category a defined category id
    /// @param justification why the agent pays, at most 512 bytes
    /// @return intentId the intent's id
    /// @return tier the tier it was classified into
    /// @return status Executed (authorized now), Queued, AwaitingApproval or Blocked
    /// @return digest the EIP-712 digest of the authorization on `auth.token` (0 when blocked)
    function authorizeX402(
        X402Authorization calldata auth,
        uint8 category,
        string calldata justification
    ) external returns (bytes32 intentId, Tier tier, Status status, bytes32 digest);

    /// @notice Gives an authorized payment's counted value back to its tier's budget once it can no longer settle:
    /// `block.timestamp >= auth.validBefore` and the token's `authorizationState(wallet, nonce)` says unused. The
    /// budget is credited only if it is still in the window epoch it was counted in. Anyone may call it.
    /// @param intentId the intent that authorized it
    /// @param auth the authorization, as `X402PaymentAuthorized` and `IntentSubmitted` reported it
    /// @return released the value given back (reference units)
    function releaseX402(bytes32 intentId, X402Authorization calldata auth) external returns (uint64 released);

    /// @notice ERC-1271: `0x1626ba7e` iff `hash` is the digest of an x402 authorization this wallet recorded and
    /// authorized (autonomous, or queued and executed), not yet expired, not released, the wallet not paused and the
    /// agent not frozen, and `signature` is the 32-byte id of the intent that authorized it; `0xffffffff`
    /// otherwise. It accepts nothing else: the wallet signs nothing by ERC-1271 but x402 authorizations.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4 magicValue);

    /// @notice The EIP-712 digest the wallet records for `auth` (TransferWithAuthorization from this wallet, under
    /// `auth.token`'s DOMAIN_SEPARATOR).
    function x402Digest(X402Authorization calldata auth) external view returns (bytes32);

    /// @notice A recorded authorization by digest (status None if none).
    function x402Record(bytes32 digest) external view returns (X402Record memory);
}
