// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Minimal ERC-1271 contract wallet
/// @notice A smart-contract account controlled by one EOA, `signer`. It accepts a signature for a hash iff
/// `signer` produced it (ERC-1271), and lets `signer` make calls as the contract (e.g. to act as a
/// TierGuard owner in owner-only functions).
/// @dev TEST ONLY. The hash is checked as given (no prefix): sign the EIP-712 digest itself.
contract MockERC1271Wallet is IERC1271 {
    /// @notice Thrown when someone other than `signer` calls `execute`.
    /// @param caller the unauthorised caller
    error NotSigner(address caller);

    /// @notice The EOA that controls this wallet and whose signatures it accepts.
    address public immutable signer;

    /// @notice Deploys the wallet for `signer_`.
    /// @param signer_ the controlling EOA
    constructor(address signer_) {
        signer = signer_;
    }

    /// @notice Accepts ETH (e.g. payments from a TierGuard wallet).
    receive() external payable {}

    /// @notice Calls `target` with `data` and the ETH sent, as this contract. Only `signer`.
    /// @dev Bubbles up the call's revert data.
    /// @param target the contract to call
    /// @param data the calldata
    /// @return result what the call returned
    function execute(address target, bytes calldata data) external payable returns (bytes memory result) {
        if (msg.sender != signer) revert NotSigner(msg.sender);
        return Address.functionCallWithValue(target, data, msg.value);
    }

    /// @notice ERC-1271: whether `signature` is `signer`'s ECDSA signature of `hash`.
    /// @param hash the signed hash
    /// @param signature a 65-byte ECDSA signature (r, s, v)
    /// @return magicValue 0x1626ba7e if valid, 0xffffffff otherwise (never reverts on malformed signatures)
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4 magicValue) {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == signer) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
