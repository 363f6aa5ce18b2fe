// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ERC-20 whose `transfer` can fail by returning false
/// @notice While `failTransfers` is true, `transfer` moves nothing and returns false instead of reverting,
/// like some legacy tokens do. Used to check that the wallet's SafeERC20 transfers detect the failure.
/// @dev TEST ONLY: anyone can mint and set the flag. 6 decimals. `transferFrom` is unaffected.
contract FalseReturnToken is ERC20 {
    /// @notice When true, `transfer` returns false without moving funds.
    bool public failTransfers;

    /// @notice Deploys the token ("False Return Token", "FRT", 6 decimals) with `failTransfers` off.
    constructor() ERC20("False Return Token", "FRT") {}

    /// @notice Turns failing transfers on or off.
    /// @param fail whether `transfer` should return false
    function setFailTransfers(bool fail) external {
        failTransfers = fail;
    }

    /// @notice Mints `amount` tokens to `to`. Unrestricted.
    /// @param to who receives the tokens
    /// @param amount in the token's smallest unit
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Transfers `value` tokens to `to`, or returns false and moves nothing while `failTransfers` is on.
    /// @param to the recipient
    /// @param value in the token's smallest unit
    /// @return success false while `failTransfers` is on, otherwise true (or reverts as OpenZeppelin's ERC-20)
    function transfer(address to, uint256 value) public override returns (bool success) {
        if (failTransfers) return false;
        return super.transfer(to, value);
    }

    /// @notice The token's decimals.
    /// @return Always 6.
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
