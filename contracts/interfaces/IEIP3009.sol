// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title The parts of an EIP-3009 token (USDC v2.2, EURC) that a TierGuard wallet reads
/// @notice The wallet computes the digests of its own x402 authorizations under the token's EIP-712 domain, and
/// asks the token whether an authorization was used before giving an expired one's budget back.
interface IEIP3009 {
    /// @notice The token's EIP-712 domain separator (name, version, chain id, token address).
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice Whether `authorizer`'s authorization `nonce` was used or cancelled.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);
}
