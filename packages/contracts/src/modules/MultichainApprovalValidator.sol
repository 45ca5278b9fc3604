// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator, IERC7579Module, IERC7579ModuleConfig, MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {ERC4337Utils} from "@openzeppelin/contracts/account/utils/ERC4337Utils.sol";

/**
 * @title MultichainApprovalValidator
 * @notice One owner signature approves sessions on several chains. The owner signs, once and with no chain in
 * the domain, the Merkle root of per-chain leaves; each leaf is one request a validator installed on the account
 * makes of the account's ERC-1271 on one chain: for the SessionKeyManager, the hash of an `ApproveSession`, which
 * binds the chain, the manager, the account, its epoch and the session. On each chain the session's first use
 * carries its approval as `this module ‖ abi.encode(bytes32[] proof, bytes signature)`; the account routes it
 * here (OpenZeppelin's ERC-7579 ERC-1271 routing), and the manager records the session as for any approval.
 * A chain whose leaf is not in the tree finds no proof: the approval is refused there.
 *
 * - The owner is the ECDSA key set at installation (`onInstall(abi.encode(owner))`), one per account.
 * - Leaf: `keccak256(abi.encode(keccak256(abi.encode(chainId, account, sender, hash))))`, with `sender` the contract
 *   that asked the account (the manager) and `hash` what it asked about; inner nodes are keccak256 of the sorted
 *   pair; the root's last byte is zero (as session roots: the SDK builds both with one tree builder).
 * - Signed: the EIP-712 hash of `MultichainApproval(bytes32 root)` in the domain `{ name: "Latchkey Multichain
 *   Approval", version: "1", verifyingContract: this module }` (no chain id), ECDSA with a low `s`.
 * - It vouches only for requests from a validator installed on the account (`sender`), so a signed root can
 *   never serve an application's own ERC-1271 check (a permit, an order) even if a leaf were made for one.
 * - It validates no userOps. Its storage is keyed by the account (ERC-7562: read during the manager's
 *   validation of an enable-mode op), and precompile calls have GAS right before the call.
 */
contract MultichainApprovalValidator is IERC7579Validator {
    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    bytes32 private constant APPROVAL_TYPEHASH = keccak256("MultichainApproval(bytes32 root)");
    bytes32 private constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,address verifyingContract)");
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    mapping(address account => address owner) public ownerOf;

    /// @notice The owner may not be the zero address.
    error MultichainOwnerZero();

    /// @inheritdoc IERC7579Module
    function onInstall(bytes calldata data) external {
        address owner = abi.decode(data, (address));
        if (owner == address(0)) revert MultichainOwnerZero();
        ownerOf[msg.sender] = owner;
    }

    /// @inheritdoc IERC7579Module
    function onUninstall(bytes calldata) external {
        delete ownerOf[msg.sender];
    }

    function isInitialized(address account) external view returns (bool) {
        return ownerOf[account] != address(0);
    }

    /// @inheritdoc IERC7579Module
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    /// @notice This module validates no userOps: a nonce key that selects it always fails.
    function validateUserOp(PackedUserOperation calldata, bytes32) external pure returns (uint256) {
        return ERC4337Utils.SIG_VALIDATION_FAILED;
    }

    /// @notice The EIP-712 hash the owner signs for `root` (the same on every chain).
    function approvalDigest(bytes32 root) public view returns (bytes32) {
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("Latchkey Multichain Approval"), keccak256("1"), address(this)));
        return keccak256(abi.encodePacked(hex"1901", domain, keccak256(abi.encode(APPROVAL_TYPEHASH, root))));
    }

    /// @inheritdoc IERC7579Validator
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata data) external view returns (bytes4) {
        address owner = ownerOf[msg.sender];
        if (owner == address(0) || !_isInstalledValidator(msg.sender, sender)) return INVALID;
        (bytes32[] memory proof, bytes memory signature) = abi.decode(data, (bytes32[], bytes));
        bytes32 node = keccak256(abi.encode(keccak256(abi.encode(block.chainid, msg.sender, sender, hash))));
        for (uint256 i = 0; i < proof.length; ++i) {
            node = node < proof[i] ? keccak256(abi.encode(node, proof[i])) : keccak256(abi.encode(proof[i], node));
        }
        // The signed root's last byte is zero: the tree's top node is compared without it.
        bytes32 root = bytes32(uint256(node) & ~uint256(0xff));
        return _recover(approvalDigest(root), signature) == owner ? MAGIC : INVALID;
    }

    function _isInstalledValidator(address account, address module) private view returns (bool) {
        try IERC7579ModuleConfig(account).isModuleInstalled(MODULE_TYPE_VALIDATOR, module, "") returns (bool installed) {
            return installed;
        } catch {
            return false;
        }
    }

    /// @dev ECDSA recovery (`r ‖ s ‖ v`, low s, v 27 or 28) through precompile 0x01; zero when it fails.
    function _recover(bytes32 digest, bytes memory signature) private view returns (address recovered) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > HALF_ORDER || (v != 27 && v != 28)) return address(0);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            mstore(0x00, 0)
            let ok := staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20)
            recovered := mul(ok, mload(0x00))
        }
    }
}
