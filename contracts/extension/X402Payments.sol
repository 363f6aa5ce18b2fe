// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IntentSubmitter} from "../base/IntentSubmitter.sol";
import {IEIP3009} from "../interfaces/IEIP3009.sol";
import {ITierGuardX402} from "../interfaces/ITierGuardX402.sol";
import {Words} from "../libraries/Words.sol";

/// @title X402Payments
/// @notice x402 payments through the tiers (see `ITierGuardX402`), a module of the wallet's extension: it runs by
/// DELEGATECALL in the wallet's storage, on the wallet's address.
/// @dev The wallet never signs a digest it did not compute: `authorizeX402` hashes the authorization itself, with
/// `from` = this wallet and the token's own DOMAIN_SEPARATOR, and `isValidSignature` looks the digest up. The
/// classification and counting are `IntentSubmitter._submit`'s, the code `spend` runs, told not to transfer
/// (autonomous) and to flag the queued commitment, so that the wallet's execution authorizes an x402 intent
/// instead of paying it by transfer: a queued x402 payment can never be paid twice.
abstract contract X402Payments is IntentSubmitter, ReentrancyGuardTransient, ITierGuardX402 {
    /// @dev keccak256("TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
    bytes32 private constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH =
        0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267;
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;
    bytes4 private constant ERC1271_INVALID = 0xffffffff;

    /// @inheritdoc ITierGuardX402
    function authorizeX402(
        X402Authorization calldata auth,
        uint8 category,
        string calldata justification
    ) external nonReentrant returns (bytes32 intentId, Tier tier, Status status, bytes32 digest) {
        if (auth.validBefore <= block.timestamp || auth.validAfter >= auth.validBefore || auth.validBefore >> 40 != 0) {
            revert TierGuardX402InvalidValidity(auth.validAfter, auth.validBefore, block.timestamp);
        }
        if (auth.token == address(0)) revert TierGuardX402NotEip3009Token(auth.token);
        uint256 details;
        (intentId, tier, status, details) = _submit(auth.token, auth.value, auth.to, category, justification, true);
        if (tier == Tier.Prohibited) return (intentId, tier, status, bytes32(0));

        digest = _x402Digest(auth);
        if (_x402Auths[digest] != 0) revert TierGuardX402AlreadyRecorded(digest);
        X402Status recorded = tier == Tier.Autonomous ? X402Status.Authorized : X402Status.Pending;
        _x402Auths[digest] = _x402Word(intentId, recorded, auth.validBefore, tier, details);
        // The wallet's execution of the queued intent finds the digest here (flagged commitment).
        if (recorded == X402Status.Pending) _x402Intents[intentId] = digest;
        emit X402AuthorizationRecorded(intentId, digest, auth.nonce, auth.validAfter, auth.validBefore);
    }

    /// @inheritdoc ITierGuardX402
    function releaseX402(
        bytes32 intentId,
        X402Authorization calldata auth
    ) external nonReentrant returns (uint64 released) {
        bytes32 digest = _x402Digest(auth);
        uint256 w = _x402Auths[digest];
        if (uint8(w) != uint8(X402Status.Authorized) || !_boundTo(w, intentId)) {
            revert TierGuardX402NotReleasable(intentId, digest);
        }
        uint40 validBefore = uint40(w >> Words.X_VALID_BEFORE);
        if (block.timestamp < validBefore) revert TierGuardX402StillValid(digest, validBefore);
        if (IEIP3009(auth.token).authorizationState(address(this), auth.nonce)) {
            revert TierGuardX402AuthorizationUsed(digest);
        }
        delete _x402Auths[digest];
        released = _releaseBudget(
            Tier(uint8(w >> Words.X_TIER)),
            uint24(w >> Words.X_EPOCH),
            uint64(w >> Words.X_VALUE)
        );
        emit X402AuthorizationReleased(intentId, digest, released);
    }

    /// @inheritdoc ITierGuardX402
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        uint256 w = _x402Auths[hash];
        if (uint8(w) != uint8(X402Status.Authorized) || signature.length != 32) return ERC1271_INVALID;
        if (block.timestamp >= uint40(w >> Words.X_VALID_BEFORE)) return ERC1271_INVALID;
        bytes32 intentId = bytes32(signature);
        if (!_boundTo(w, intentId)) return ERC1271_INVALID;
        // Allowed now: pausing the wallet or freezing the agent stops authorizations not yet settled.
        if (_hot.paused()) return ERC1271_INVALID;
        if (_agents[intentId & ~bytes32(Words.M40)] & Words.A_FROZEN_BIT != 0) return ERC1271_INVALID;
        return ERC1271_MAGIC;
    }

    /// @inheritdoc ITierGuardX402
    function x402Digest(X402Authorization calldata auth) external view returns (bytes32) {
        return _x402Digest(auth);
    }

    /// @inheritdoc ITierGuardX402
    function x402Record(bytes32 digest) external view returns (X402Record memory r) {
        uint256 w = _x402Auths[digest];
        r.status = X402Status(uint8(w));
        r.validBefore = uint40(w >> Words.X_VALID_BEFORE);
        r.tier = Tier(uint8(w >> Words.X_TIER));
        r.budgetEpoch = uint24(w >> Words.X_EPOCH);
        r.value = uint64(w >> Words.X_VALUE);
    }

    /// @dev The EIP-712 digest of a TransferWithAuthorization from this wallet under the token's domain.
    function _x402Digest(X402Authorization calldata auth) private view returns (bytes32 digest) {
        if (auth.token == address(0)) revert TierGuardX402NotEip3009Token(auth.token);
        bytes32 domain;
        try IEIP3009(auth.token).DOMAIN_SEPARATOR() returns (bytes32 d) {
            domain = d;
        } catch {
            revert TierGuardX402NotEip3009Token(auth.token);
        }
        bytes32 structHash = keccak256(
            abi.encode(
                TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
                address(this),
                auth.to,
                auth.value,
                auth.validAfter,
                auth.validBefore,
                auth.nonce
            )
        );
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domain)
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
        }
    }

    /// @dev The record word (layout in `Words`): bound to the intent by the upper bits of keccak256(intentId).
    function _x402Word(
        bytes32 intentId,
        X402Status status,
        uint256 validBefore,
        Tier tier,
        uint256 details
    ) private view returns (uint256 w) {
        w = uint256(status) | (validBefore << Words.X_VALID_BEFORE) | (uint256(tier) << Words.X_TIER);
        // The epoch the value was just counted in (the autonomous fast path leaves it out of `details`).
        if (details & Words.D_BUDGETED_BIT != 0) w |= (_budgets[uint8(tier)] >> Words.B_EPOCH) << Words.X_EPOCH;
        w |= uint256(uint64(details >> Words.D_VALUE)) << Words.X_VALUE;
        w |= (uint256(keccak256(abi.encode(intentId))) >> Words.X_INTENT) << Words.X_INTENT;
    }

    /// @dev Whether record `w` was made by intent `intentId`.
    function _boundTo(uint256 w, bytes32 intentId) private pure returns (bool) {
        return w >> Words.X_INTENT == uint256(keccak256(abi.encode(intentId))) >> Words.X_INTENT;
    }
}
