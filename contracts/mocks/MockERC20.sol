// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Mintable ERC-20 for tests and local deployments
/// @notice A plain OpenZeppelin ERC-20 with configurable decimals and an unrestricted `mint`.
/// @dev TEST ONLY: anyone can mint.
contract MockERC20 is ERC20 {
    /// @dev The token's decimals, fixed at deployment.
    uint8 private immutable _decimals;

    /// @notice Deploys the token.
    /// @param name_ the token's name, e.g. "Mock USD Coin"
    /// @param symbol_ the token's symbol, e.g. "USDC"
    /// @param decimals_ the token's decimals, e.g. 6
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` tokens to `to`. Unrestricted.
    /// @param to who receives the tokens
    /// @param amount in the token's smallest unit
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The token's decimals, as set at deployment.
    /// @return The number of decimals.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
