// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardBase} from "./ITierGuardBase.sol";

/// @title TierGuard wallet views
/// @notice Read-only views of a TierGuard wallet, called on the wallet's address. They live in the wallet's
/// extension module (`TierGuardExtension`, views in `TierGuardViews`) that the wallet reaches by DELEGATECALL from
/// its fallback, so that the wallet's own bytecode keeps room under the EIP-170 size limit.
interface ITierGuardViews is ITierGuardBase {
    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice What `spend` would do now for this agent and intent, without changing state; reverts with
    /// the same error as `spend` for invalid input. The single source of truth for off-chain classifiers.
    function preview(
        bytes32 agentId,
        address token,
        uint256 amount,
        address recipient,
        uint8 category
    ) external view returns (Tier tier, Reason reason, uint16 misses, uint64 value);
    /// @notice The value of `amount` of `token` in reference units (rounded up), as classification uses it.
    function quote(address token, uint256 amount) external view returns (uint64 value);
    function settings() external view returns (Settings memory);
    function tierRules(Tier tier) external view returns (TierRules memory);
    function budget(Tier tier) external view returns (Budget memory);
    function tokenConfig(address token) external view returns (TokenConfig memory);
    function tokens() external view returns (address[] memory);
    function categoryName(uint8 category) external view returns (bytes32);
    function recipientTrust(address recipient) external view returns (Trust);
    /// @notice Recipients whose trust is not Unknown.
    function recipientList() external view returns (address[] memory);
    function sessionKey(address key) external view returns (SessionKey memory);
    function sessionKeys() external view returns (address[] memory);
    function agentState(bytes32 agentId) external view returns (AgentState memory);
    function owners() external view returns (address[] memory);
    function isOwner(address account) external view returns (bool);
    function isGuardian(address account) external view returns (bool);
    /// @notice The nonce the next owner action must sign.
    function ownerNonce() external view returns (uint256);
    /// @notice A queued intent's status while it waits (Queued, AwaitingApproval); None once it is decided
    /// (executed, vetoed, rejected, expired, stale, refused) or if it was never queued (autonomous, prohibited).
    /// The decision itself is in the intent's events: storage keeps only what still waits.
    function intentStatus(bytes32 intentId) external view returns (Status);
    /// @notice Owners who approved a collaborative intent on-chain (void after an owner removal).
    function approvals(bytes32 intentId) external view returns (address[] memory);
    /// @notice The id that the agent's `nonce`-th intent gets (counting from 0): the agent id with the nonce in its
    /// last 5 bytes.
    function intentIdFor(bytes32 agentId, uint40 nonce) external view returns (bytes32);
}
