// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ITierGuardWallet} from "../interfaces/ITierGuardWallet.sol";

/// @notice Benchmark helper: a contract holding a session key that submits many intents in one transaction, so a
/// benchmark can build a chain of 100,000 intents in a few hundred transactions. Never deploy it with real funds.
contract IntentBatcher {
    struct Spend {
        address token;
        uint256 amount;
        address recipient;
        uint8 category;
    }

    /// @notice Submits each spend in order, with the same justification.
    function spendMany(ITierGuardWallet wallet, Spend[] calldata spends, string calldata justification) external {
        for (uint256 i; i < spends.length; ++i) {
            wallet.spend(spends[i].token, spends[i].amount, spends[i].recipient, spends[i].category, justification);
        }
    }
}
