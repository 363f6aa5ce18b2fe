// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AgentPayments} from "./extension/AgentPayments.sol";
import {IntentSubmitter} from "./base/IntentSubmitter.sol";
import {TierGuardViews} from "./TierGuardViews.sol";
import {X402Payments} from "./extension/X402Payments.sol";

/// @title TierGuardExtension
/// @notice The part of the wallet that does not fit in its own bytecode (EIP-170): the read-only views and the
/// agents' entry points other than `spend`. Each wallet deploys its own extension in its constructor and its
/// fallback delegates every selector it does not implement here, so these functions are called on the wallet's
/// address, run in the wallet's storage and pay from the wallet's balance; the published wallet ABI (Hardhat
/// artifact, `src/abi`) is the union of the wallet's and the extension's.
/// @dev Rules for code in the extension, which runs by DELEGATECALL in the wallet's context:
/// - It has no state of its own. Storage is `WalletStorage` (new state goes at the end of `WalletStorage`, never
///   in a module), and `immutable`s are the extension's own deployment values, not the wallet's.
/// - A state-changing entry point that moves funds or counts an intent takes `nonReentrant`: the guard is
///   OpenZeppelin's transient slot, the same slot the wallet's own functions use, so one guard covers both.
/// - Agent submissions go through `IntentSubmitter._submit`, the very code `spend` runs (compiled into both
///   contracts), so they are classified and counted exactly as `spend`.
/// - Called directly (not through a wallet) the extension runs on its own empty storage: no owner, no session
///   key, no balance, so nothing can be submitted or paid.
/// To add entry points: declare them in an interface under `interfaces/` (errors and events in
/// `ITierGuardBase`), implement them in an abstract module under `extension/` that inherits `IntentSubmitter`
/// (or `WalletStorage`) and `ReentrancyGuardTransient` as needed, and add the module to the list below. The
/// wallet needs no change; `npm run abi` regenerates the merged ABI and the docs.
contract TierGuardExtension is TierGuardViews, AgentPayments, X402Payments {
    /// @dev The key an intent is submitted with: a signed intent's signer while `spendSigned` submits it, else the
    /// caller (`authorizeX402` included).
    function _submitter() internal view override(IntentSubmitter, AgentPayments) returns (address) {
        return AgentPayments._submitter();
    }
}
