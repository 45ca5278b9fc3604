// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator, IERC7579Module, MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/**
 * @title OwnerValidator
 * @notice An ERC-7579 validator module (type 1): one ECDSA owner key per account. It works on any ERC-7579
 * account; on {LatchkeyAccount} it is the alternative to the built-in owner path (the built-in path is
 * cheaper and is the default; see BENCHMARKS.md).
 *
 * - userOps: the owner signs the EIP-191 message hash of the plain userOpHash (the same as the built-in path).
 * - ERC-1271: the owner signs the EIP-712 hash of `LatchkeyMessage(bytes32 hash)` in the domain
 *   `{name: "LatchkeyOwnerValidator", version: "1", chainId, verifyingContract: account}`, so a signature is
 *   bound to one account on one chain.
 *
 * Storage: `mapping(address account => address owner)`, the account as the only key (ERC-7562 associated).
 */
contract OwnerValidator is IERC7579Validator {
    using MessageHashUtils for bytes32;

    bytes32 private constant _DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant _NAME_HASH = keccak256("LatchkeyOwnerValidator");
    bytes32 private constant _VERSION_HASH = keccak256("1");
    bytes32 private constant _MESSAGE_TYPEHASH = keccak256("LatchkeyMessage(bytes32 hash)");

    mapping(address account => address owner) private _owners;

    /// @notice Emitted when an account sets or clears its owner here.
    event OwnerValidatorOwnerSet(address indexed account, address indexed owner);

    /// @notice `onInstall` data must be exactly one ABI-encoded, non-zero address.
    error OwnerValidatorInvalidOwner(bytes data);
    /// @notice The module is already installed for this account.
    error OwnerValidatorAlreadyInstalled(address account);
    /// @notice The module is not installed for this account: it has no owner to replace.
    error OwnerValidatorNotInstalled(address account);

    /// @notice The owner key of `account` (zero when not installed).
    function ownerOf(address account) external view returns (address) {
        return _owners[account];
    }

    /// @inheritdoc IERC7579Module
    function onInstall(bytes calldata data) external {
        if (_owners[msg.sender] != address(0)) revert OwnerValidatorAlreadyInstalled(msg.sender);
        _setOwner(data);
    }

    /// @inheritdoc IERC7579Module
    function onUninstall(bytes calldata) external {
        delete _owners[msg.sender];
        emit OwnerValidatorOwnerSet(msg.sender, address(0));
    }

    /**
     * @notice Replaces the calling account's owner (the account calls this through `execute`). Only for an
     * account that installed the module: an owner set before the installation would make it revert.
     */
    function setOwner(bytes calldata data) external {
        if (_owners[msg.sender] == address(0)) revert OwnerValidatorNotInstalled(msg.sender);
        _setOwner(data);
    }

    /// @inheritdoc IERC7579Module
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    /// @inheritdoc IERC7579Validator
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external view returns (uint256) {
        address owner = _owners[msg.sender];
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            userOpHash.toEthSignedMessageHash(),
            userOp.signature
        );
        // 0 = SIG_VALIDATION_SUCCESS, 1 = SIG_VALIDATION_FAILED (ERC-4337 validationData).
        return (err == ECDSA.RecoverError.NoError && owner != address(0) && recovered == owner) ? 0 : 1;
    }

    /// @inheritdoc IERC7579Validator
    function isValidSignatureWithSender(
        address,
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        address owner = _owners[msg.sender];
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(
            messageHash(msg.sender, hash),
            signature
        );
        return (err == ECDSA.RecoverError.NoError && owner != address(0) && recovered == owner)
            ? bytes4(0x1626ba7e)
            : bytes4(0xffffffff);
    }

    /// @notice The digest the owner signs for an ERC-1271 check of `hash` by `account`.
    function messageHash(address account, bytes32 hash) public view returns (bytes32) {
        bytes32 domainSeparator = keccak256(
            abi.encode(_DOMAIN_TYPEHASH, _NAME_HASH, _VERSION_HASH, block.chainid, account)
        );
        return MessageHashUtils.toTypedDataHash(domainSeparator, keccak256(abi.encode(_MESSAGE_TYPEHASH, hash)));
    }

    function _setOwner(bytes calldata data) private {
        if (data.length != 32) revert OwnerValidatorInvalidOwner(data);
        uint256 word = uint256(bytes32(data));
        if (word == 0 || word >> 160 != 0) revert OwnerValidatorInvalidOwner(data);
        address owner = address(uint160(word));
        _owners[msg.sender] = owner;
        emit OwnerValidatorOwnerSet(msg.sender, owner);
    }
}
