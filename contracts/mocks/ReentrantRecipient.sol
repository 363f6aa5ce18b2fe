// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title ETH recipient that re-enters its payer
/// @notice When it receives ETH, it calls `attackTarget` with the stored `attackData` (e.g. the wallet's
/// `execute` or `spend`), records whether that re-entrant call succeeded and what it reverted with, and
/// accepts the ETH either way. With `rejectEth` on, it refuses ETH instead, to test failed native transfers.
/// @dev TEST ONLY: anyone can configure it. Only one re-entrant call per receipt: a payment received
/// during the re-entrant call itself is accepted without re-entering again.
contract ReentrantRecipient {
    /// @notice Thrown by `receive` while `rejectEth` is on.
    error EthRejected();

    /// @notice Emitted after each re-entry attempt.
    /// @param target the contract called
    /// @param success whether the re-entrant call succeeded
    /// @param returnData what the call returned, or its revert data
    event ReentryAttempted(address indexed target, bool indexed success, bytes returnData);

    /// @notice The contract to re-enter on receipt of ETH; address(0) disables the attack.
    /// @dev Not named `target`, which would clash with ethers' `Contract.target` in generated typings.
    address public attackTarget;
    /// @notice The calldata of the re-entrant call.
    bytes public attackData;
    /// @notice Whether the last re-entrant call succeeded.
    bool public reentered;
    /// @notice Revert data of the last re-entrant call if it failed, empty if it succeeded.
    bytes public lastRevertData;
    /// @notice Number of re-entry attempts made.
    uint256 public attempts;
    /// @notice When true, `receive` reverts with `EthRejected`.
    bool public rejectEth;

    /// @dev True while the re-entrant call runs, so that nested receipts do not re-enter again.
    bool private _attacking;

    /// @notice Receives ETH: reverts if `rejectEth` is on, otherwise re-enters `attackTarget` with `attackData`
    /// (if set) and records the outcome, without reverting whatever the outcome.
    /// @dev Deliberately complex: re-entering on receipt is this mock's purpose.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (rejectEth) revert EthRejected();
        address target_ = attackTarget;
        if (target_ == address(0) || _attacking) return;

        _attacking = true;
        (bool success, bytes memory returnData) = target_.call(attackData);
        _attacking = false;

        ++attempts;
        reentered = success;
        lastRevertData = success ? bytes("") : returnData;
        emit ReentryAttempted(target_, success, returnData);
    }

    /// @notice Sets the re-entrant call and clears the recorded outcome.
    /// @param target_ the contract to call on receipt of ETH (address(0) disables the attack)
    /// @param data_ the calldata to call it with
    function setAttack(address target_, bytes calldata data_) external {
        attackTarget = target_;
        attackData = data_;
        reentered = false;
        delete lastRevertData;
        attempts = 0;
    }

    /// @notice Makes `receive` revert (true) or accept ETH (false).
    /// @param reject whether to refuse ETH
    function setRejectEth(bool reject) external {
        rejectEth = reject;
    }
}
