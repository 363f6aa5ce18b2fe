// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ERC-20 that burns a 1% fee on every transfer
/// @notice Every transfer (not mint or burn) of `value` burns `value / 100` from the sender and delivers
/// the rest, so the recipient receives less than the amount sent. Used to test how the wallet handles
/// fee-on-transfer tokens.
/// @dev TEST ONLY: anyone can mint. 6 decimals. The fee rounds down, so transfers below 100 units pay none.
contract FeeOnTransferToken is ERC20 {
    /// @notice The fee in basis points of the amount sent (100 = 1%).
    uint256 public constant FEE_BPS = 100;

    /// @notice Deploys the token ("Fee On Transfer Token", "FOT", 6 decimals).
    constructor() ERC20("Fee On Transfer Token", "FOT") {}

    /// @notice Mints `amount` tokens to `to`, without a fee. Unrestricted.
    /// @param to who receives the tokens
    /// @param amount in the token's smallest unit
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The token's decimals.
    /// @return Always 6.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice The fee burnt when `value` is transferred.
    /// @param value the amount sent
    /// @return fee the amount burnt: `value * FEE_BPS / 10_000`, rounded down
    function feeFor(uint256 value) public pure returns (uint256 fee) {
        return (value * FEE_BPS) / 10_000;
    }

    /// @dev Transfers between two accounts burn the fee from the sender and deliver `value - fee`;
    /// mints and burns are unchanged.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = feeFor(value);
        if (fee != 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
