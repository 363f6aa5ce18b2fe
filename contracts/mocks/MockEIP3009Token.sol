// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// USDC v2.2 reverts with messages, and x402 facilitators map those messages to error reasons: keep them.
// solhint-disable gas-custom-errors

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title Mintable ERC-20 with EIP-3009 transfers by authorization, modelled on Circle's USDC v2.2
/// @notice What x402's `exact` EVM scheme settles against: `transferWithAuthorization` and
/// `receiveWithAuthorization` in both USDC v2.2 overloads (`v, r, s` and `bytes signature`),
/// `cancelAuthorization`, `authorizationState`, and the EIP-712 domain (`name`, `version`, chain id, this
/// address). As in USDC v2.2, signatures are checked with a signature checker, so a contract `from` (an ERC-1271
/// wallet such as TierGuard's) can authorize a transfer: its `isValidSignature(digest, signature)` decides.
/// @dev TEST ONLY: anyone can mint. Reverts use USDC's messages ("FiatTokenV2: authorization is expired", ...)
/// because x402 facilitators map those messages to their error reasons. Validity is exclusive at both ends, as in
/// USDC: usable iff `validAfter < block.timestamp < validBefore`.
contract MockEIP3009Token is ERC20, EIP712 {
    /// @notice keccak256("TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH =
        0x7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267;
    /// @notice keccak256("ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)")
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH =
        0xd099cc98ef71107a616c4f0f941f04c322d8e254fe26b3c6668db87aae413de8;
    /// @notice keccak256("CancelAuthorization(address authorizer,bytes32 nonce)")
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH =
        0x158b0a9edf7a828aad02f63cd515c68ef2f50ba807396f6d12842833a1597429;

    /// @notice Emitted when an authorization is used (its transfer done).
    /// @param authorizer who signed it (the payer)
    /// @param nonce its nonce
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /// @notice Emitted when an authorizer cancels an unused authorization.
    /// @param authorizer who cancelled it
    /// @param nonce its nonce
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @dev The EIP-712 domain's version, e.g. "2" as USDC's.
    string private _version;
    /// @dev authorizer => nonce => used or cancelled.
    mapping(address authorizer => mapping(bytes32 nonce => bool used)) private _authorizationStates;

    /// @notice Deploys the token with 6 decimals.
    /// @param name_ the token's name, also its EIP-712 domain name (USDC's is "USD Coin")
    /// @param symbol_ the token's symbol, e.g. "USDC"
    /// @param version_ the EIP-712 domain version (USDC's is "2")
    constructor(
        string memory name_,
        string memory symbol_,
        string memory version_
    ) ERC20(name_, symbol_) EIP712(name_, version_) {
        _version = version_;
    }

    /// @notice Mints `amount` tokens to `to`. Unrestricted.
    /// @param to who receives the tokens
    /// @param amount in the token's smallest unit
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice 6, as USDC.
    /// @return The number of decimals.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice The EIP-712 domain version, as USDC's `version()`.
    /// @return The version string.
    function version() external view returns (string memory) {
        return _version;
    }

    /// @notice The EIP-712 domain separator of this token on this chain.
    /// @return The separator.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Whether `authorizer`'s authorization `nonce` was used or cancelled.
    /// @param authorizer the payer
    /// @param nonce the authorization's nonce
    /// @return True if used or cancelled.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationStates[authorizer][nonce];
    }

    /// @notice Transfers `value` from `from` to `to` with `from`'s authorization (ECDSA `v, r, s`; for a contract
    /// `from`, the packed `r, s, v` goes to its ERC-1271 `isValidSignature`).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
    }

    /// @notice Transfers `value` from `from` to `to` with `from`'s authorization, signed by an EOA (packed `r, s, v`)
    /// or a contract wallet (any bytes its ERC-1271 `isValidSignature` accepts).
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            signature
        );
    }

    /// @notice As `transferWithAuthorization`, but only the payee `to` may submit it (no front-running).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        require(to == msg.sender, "FiatTokenV2: caller must be the payee");
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            abi.encodePacked(r, s, v)
        );
    }

    /// @notice As `transferWithAuthorization` (bytes signature), but only the payee `to` may submit it.
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        require(to == msg.sender, "FiatTokenV2: caller must be the payee");
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            from,
            to,
            value,
            validAfter,
            validBefore,
            nonce,
            signature
        );
    }

    /// @notice Cancels `authorizer`'s unused authorization `nonce` (ECDSA `v, r, s`).
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    /// @notice Cancels `authorizer`'s unused authorization `nonce` (EOA or ERC-1271 signature).
    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature) external {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    /// @dev Checks the window, the nonce and the signature of the typed struct, marks the nonce used, transfers.
    function _transferWithAuthorization(
        bytes32 typehash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        require(block.timestamp > validAfter, "FiatTokenV2: authorization is not yet valid");
        require(block.timestamp < validBefore, "FiatTokenV2: authorization is expired");
        _requireUnused(from, nonce);
        _requireValidSignature(
            from,
            keccak256(abi.encode(typehash, from, to, value, validAfter, validBefore, nonce)),
            signature
        );
        _authorizationStates[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }

    /// @dev Marks an unused nonce as cancelled, with the authorizer's signature.
    function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) private {
        _requireUnused(authorizer, nonce);
        _requireValidSignature(
            authorizer,
            keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)),
            signature
        );
        _authorizationStates[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    /// @dev Reverts unless the nonce is unused.
    function _requireUnused(address authorizer, bytes32 nonce) private view {
        require(!_authorizationStates[authorizer][nonce], "FiatTokenV2: authorization is used or canceled");
    }

    /// @dev ECDSA for an EOA, ERC-1271 for a contract (OpenZeppelin's SignatureChecker), over the EIP-712 digest.
    function _requireValidSignature(address signer, bytes32 structHash, bytes memory signature) private view {
        require(
            SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature),
            "FiatTokenV2: invalid signature"
        );
    }
}
