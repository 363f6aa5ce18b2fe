// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IntentSubmitter} from "../base/IntentSubmitter.sol";
import {ITierGuardAgents} from "../interfaces/ITierGuardAgents.sol";
import {Words} from "../libraries/Words.sol";

/// @title AgentPayments
/// @notice Idempotent and signed (gasless) agent submissions, a module of the wallet's extension. Both run
/// `IntentSubmitter._submit`, the code behind `spend`.
/// @dev Idempotency record per (agent, key), one word: submission status 0..7 | tier 8..15 | nonce 16..55 |
/// the upper 200 bits of keccak256(token, amount, recipient, category) 56..255 (a retry must repeat them).
/// The record is written after `_submit` (which may already have paid): every function that reads or writes
/// records is `nonReentrant`, on the guard the wallet's functions share, so a recipient called during the payment
/// cannot reach them.
abstract contract AgentPayments is IntentSubmitter, ReentrancyGuardTransient, ITierGuardAgents {
    using TransientSlot for *;

    bytes32 internal constant SIGNED_SPEND_TYPEHASH = keccak256(
        "SignedSpend(address token,uint256 amount,address recipient,uint8 category,string justification,"
        "bytes32 idempotencyKey,uint256 deadline)"
    );
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    /// @dev Transient slot holding the signer while a signed intent is submitted (keccak256("tierguard.signer") - 1).
    /// A fixed slot rather than a state variable: the extension declares no state of its own.
    bytes32 private constant SIGNER_SLOT = 0xf7b6bcce5f70d2b8c69fe78acb84c848635e8607afcc069ef8c2aa009b8a2ab9;

    /// @inheritdoc ITierGuardAgents
    function spendIdempotent(
        address token,
        uint256 amount,
        address recipient,
        uint8 category,
        string calldata justification,
        bytes32 idempotencyKey
    ) external nonReentrant returns (bytes32 intentId, Tier tier, Status status) {
        if (idempotencyKey == bytes32(0)) revert TierGuardZeroIdempotencyKey();
        bytes32 agentId = _keys[msg.sender].agentId();
        uint256 args = _argsHash(token, amount, recipient, category);
        uint256 record = _idempotency[agentId][idempotencyKey];
        if (record != 0) {
            (intentId, tier, status) = _decode(agentId, record);
            if (record >> 56 != args) revert TierGuardIdempotencyKeyUsed(agentId, idempotencyKey, intentId);
            return (intentId, tier, status);
        }
        (intentId, tier, status, ) = _submit(token, amount, recipient, category, justification, false);
        _record(agentId, idempotencyKey, intentId, tier, status, args);
    }

    /// @inheritdoc ITierGuardAgents
    function spendSigned(
        SignedSpend calldata intent,
        address key,
        bytes calldata signature
    ) external nonReentrant returns (bytes32 intentId, Tier tier, Status status) {
        if (block.timestamp > intent.deadline) revert TierGuardSignedIntentExpired(intent.deadline, block.timestamp);
        if (!SignatureChecker.isValidSignatureNow(key, _signedSpendDigest(intent), signature)) {
            revert TierGuardInvalidIntentSignature(key);
        }
        bytes32 idempotencyKey = intent.idempotencyKey;
        if (idempotencyKey == bytes32(0)) revert TierGuardZeroIdempotencyKey();
        bytes32 agentId = _keys[key].agentId();
        uint256 record = _idempotency[agentId][idempotencyKey];
        if (record != 0) {
            (intentId, , ) = _decode(agentId, record);
            revert TierGuardIdempotencyKeyUsed(agentId, idempotencyKey, intentId);
        }
        SIGNER_SLOT.asAddress().tstore(key);
        (intentId, tier, status, ) = _submit(
            intent.token,
            intent.amount,
            intent.recipient,
            intent.category,
            intent.justification,
            false
        );
        SIGNER_SLOT.asAddress().tstore(address(0));
        _record(
            agentId,
            idempotencyKey,
            intentId,
            tier,
            status,
            _argsHash(intent.token, intent.amount, intent.recipient, intent.category)
        );
    }

    /// @inheritdoc ITierGuardAgents
    function intentByKey(
        bytes32 agentId,
        bytes32 idempotencyKey
    ) external view returns (bytes32 intentId, Tier tier, Status status) {
        uint256 record = _idempotency[agentId][idempotencyKey];
        if (record != 0) return _decode(agentId, record);
    }

    /// @inheritdoc ITierGuardAgents
    function signedSpendDigest(SignedSpend calldata intent) external view returns (bytes32) {
        return _signedSpendDigest(intent);
    }

    /// @dev The signer while `spendSigned` submits, else the caller.
    function _submitter() internal view virtual override returns (address key) {
        key = SIGNER_SLOT.asAddress().tload();
        if (key == address(0)) key = msg.sender;
    }

    function _record(
        bytes32 agentId,
        bytes32 idempotencyKey,
        bytes32 intentId,
        Tier tier,
        Status status,
        uint256 args
    ) private {
        _idempotency[agentId][idempotencyKey] =
            (args << 56) |
            ((uint256(intentId) & Words.M40) << 16) |
            (uint256(uint8(tier)) << 8) |
            uint8(status);
        emit IdempotencyKeyRecorded(intentId, agentId, idempotencyKey, msg.sender);
    }

    function _decode(bytes32 agentId, uint256 record) private pure returns (bytes32, Tier, Status) {
        return (_intentId(agentId, (record >> 16) & Words.M40), Tier(uint8(record >> 8)), Status(uint8(record)));
    }

    /// @dev The upper 200 bits of the payment's identity (what a retry must repeat).
    function _argsHash(
        address token,
        uint256 amount,
        address recipient,
        uint8 category
    ) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(token, amount, recipient, category))) >> 56;
    }

    /// @dev The wallet's EIP-712 domain (as `OwnerManager` builds it), computed here: under DELEGATECALL
    /// `address(this)` is the wallet, and the extension keeps no copy of the wallet's cached separator.
    function _signedSpendDigest(SignedSpend calldata intent) private view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                DOMAIN_TYPEHASH,
                keccak256(bytes(EIP712_NAME)),
                keccak256(bytes(EIP712_VERSION)),
                block.chainid,
                address(this)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                SIGNED_SPEND_TYPEHASH,
                intent.token,
                intent.amount,
                intent.recipient,
                intent.category,
                keccak256(bytes(intent.justification)),
                intent.idempotencyKey,
                intent.deadline
            )
        );
        return MessageHashUtils.toTypedDataHash(domain, structHash);
    }
}
