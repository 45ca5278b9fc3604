// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator, IERC7579Module, IERC7579ModuleConfig, MODULE_TYPE_VALIDATOR, MODULE_TYPE_FALLBACK, MODULE_TYPE_HOOK} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {ERC7739Utils} from "@openzeppelin/contracts/utils/cryptography/draft-ERC7739Utils.sol";
import {ERC4337Utils} from "@openzeppelin/contracts/account/utils/ERC4337Utils.sol";
import {SessionCodec} from "../sessions/SessionCodec.sol";
import {ISessionSignerVerifier} from "../sessions/ISessionSignerVerifier.sol";

/// @dev The SessionKeyManager's views this module reads (grant state per account).
interface ISessionGrants {
    function merkleRoot(address account) external view returns (bytes32);
    function sessionRecord(address account, bytes32 digest) external view returns (uint8 status, bool current);
}

/**
 * @title SessionTypedDataValidator
 * @notice Scoped ERC-1271 for sessions: a session may sign EIP-712 typed data for the account, but only of the
 * (application domain, contents type) pairs its owner listed, wrapped per ERC-7739 so that the signature is
 * bound to this account and cannot be replayed on another. Everything else stays denied: the SessionKeyManager
 * itself never signs for the account, and a session without such a permission cannot sign here.
 *
 * Install it as a validator on the account; the account sends it `isValidSignature` calls whose signature
 * starts with its address (OpenZeppelin's ERC-7579 routing). Stateless: what is granted is read from the
 * SessionKeyManager the signature names, which must be installed on the account as a validator (so a
 * manager-like contract of someone else's cannot vouch for a session).
 *
 * The permission (one per session, in its permissions list): `target` = this module, `selector` = 0x1626ba7e,
 * `valueLimit` = 0, `policy` = this module, `policyConfig` = `abi.encode(bytes32[] scope)`, the scope being
 * pairs `(appDomainSeparator, typeHash)`, typeHash the contents type's EIP-712 typeHash. No call can use it: the
 * manager refuses calls to installed modules, and this module has no function with that selector.
 *
 * The signature after the module's address: `abi.encode(address manager, bytes session, bytes proof, bytes nested,
 * bytes fields)` where `session` is the session's compact encoding, `proof` its Merkle proof under the account's
 * current root (empty for a recorded session), `nested` ERC-7739's `signerSignature ‖ appSeparator ‖ contentsHash
 * ‖ contentsDescr ‖ uint16(contentsDescr.length)`, and `fields` the contents' EIP-712 encodeData without its
 * typeHash (so that `contentsHash` is shown to be of a listed type: the holder, who holds the key, could otherwise
 * name one type and sign another). The session signer signs, as it signs userOps, the EIP-191 message hash of
 * `keccak256(abi.encode(sessionDigest, h))`, h being the ERC-7739 `TypedDataSign` hash under the account's EIP-712
 * domain (ERC-5267), which must name this account and chain. Checked, failing closed: the session is the account's now (recorded in the current epoch, or in the
 * current root) and not revoked; its window holds now; the pair is in its scope; `hash` is the application's
 * typed-data hash of those contents; the signature is the session signer's (ECDSA, or the session's verifier).
 * It never answers a request made by the account itself or by a validator, executor or hook installed on it (the
 * manager asking about an owner approval, say), whatever the scope lists.
 */
contract SessionTypedDataValidator is IERC7579Validator {
    using MessageHashUtils for bytes32;

    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    uint8 internal constant STATUS_RECORDED = 1;

    /// @inheritdoc IERC7579Module
    function onInstall(bytes calldata) external {}

    /// @inheritdoc IERC7579Module
    function onUninstall(bytes calldata) external {}

    function isInitialized(address) external pure returns (bool) {
        return true;
    }

    /// @inheritdoc IERC7579Module
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    /// @notice This module validates no userOps: a nonce key that selects it always fails.
    function validateUserOp(PackedUserOperation calldata, bytes32) external pure returns (uint256) {
        return ERC4337Utils.SIG_VALIDATION_FAILED;
    }

    /// @inheritdoc IERC7579Validator
    function isValidSignatureWithSender(address sender, bytes32 hash, bytes calldata data) external view returns (bytes4) {
        // A session's signature serves applications, never the account itself or its own modules: otherwise a
        // scope naming the manager's `ApproveSession` would let a session approve new sessions for the account.
        if (sender == msg.sender || _isOwnModule(msg.sender, sender)) return INVALID;
        (bool ok, address manager, bytes calldata session, bytes calldata proof, bytes calldata nested, bytes calldata fields) = _parts(data);
        if (!ok || !_isInstalled(msg.sender, MODULE_TYPE_VALIDATOR, manager)) return INVALID;
        SessionCodec.View memory view_ = SessionCodec.scan(session, 0);
        if (view_.end != session.length) return INVALID;
        bytes32 digest = keccak256(session);
        if (!_isGrantedNow(ISessionGrants(manager), msg.sender, digest, proof) || !_inWindow(view_)) return INVALID;

        (bytes calldata signature, bytes32 appSeparator, bytes32 contentsHash, string calldata contentsDescr) = ERC7739Utils.decodeTypedDataSig(nested);
        if (hash != appSeparator.toTypedDataHash(contentsHash)) return INVALID;
        if (!_inScope(session, view_, appSeparator, contentsHash, fields)) return INVALID;
        bytes memory domainBytes;
        (ok, domainBytes) = _accountDomain(msg.sender);
        if (!ok) return INVALID;
        bytes32 structHash = ERC7739Utils.typedDataSignStructHash(contentsDescr, contentsHash, domainBytes);
        if (structHash == bytes32(0)) return INVALID; // a malformed contentsDescr
        // Bound to this session too: a signature made under one session serves under no other.
        bytes32 signed = keccak256(abi.encode(digest, appSeparator.toTypedDataHash(structHash))).toEthSignedMessageHash();
        return _isSignedBySession(session, view_, signed, signature) ? MAGIC : INVALID;
    }

    /// @dev The parts of `abi.encode(address, bytes, bytes, bytes, bytes)` as calldata slices; `ok` false when malformed.
    function _parts(
        bytes calldata data
    ) private pure returns (bool ok, address manager, bytes calldata session, bytes calldata proof, bytes calldata nested, bytes calldata fields) {
        session = proof = nested = fields = data[0:0];
        if (data.length < 160 || uint256(bytes32(data[0:32])) >> 160 != 0) return (false, address(0), session, proof, nested, fields);
        manager = address(bytes20(data[12:32]));
        bool[4] memory found;
        (found[0], session) = _bytesAt(data, uint256(bytes32(data[32:64])));
        (found[1], proof) = _bytesAt(data, uint256(bytes32(data[64:96])));
        (found[2], nested) = _bytesAt(data, uint256(bytes32(data[96:128])));
        (found[3], fields) = _bytesAt(data, uint256(bytes32(data[128:160])));
        ok = found[0] && found[1] && found[2] && found[3];
    }

    /// @dev The ABI `bytes` whose head is at `offset` in `data`, when it lies inside `data`.
    function _bytesAt(bytes calldata data, uint256 offset) private pure returns (bool, bytes calldata) {
        if (offset > data.length || data.length - offset < 32) return (false, data[0:0]);
        uint256 length = uint256(bytes32(data[offset:offset + 32]));
        if (length > data.length - offset - 32) return (false, data[0:0]);
        return (true, data[offset + 32:offset + 32 + length]);
    }

    /// @dev Whether the account reports `module` installed as `moduleType` (a revert: no).
    function _isInstalled(address account, uint256 moduleType, address module) private view returns (bool) {
        try IERC7579ModuleConfig(account).isModuleInstalled(moduleType, module, "") returns (bool installed) {
            return installed;
        } catch {
            return false;
        }
    }

    /// @dev Whether `sender` is one of the account's own validators, executors or hooks (a revert: yes, fail closed).
    function _isOwnModule(address account, address sender) private view returns (bool) {
        for (uint256 moduleType = MODULE_TYPE_VALIDATOR; moduleType <= MODULE_TYPE_HOOK; ++moduleType) {
            if (moduleType == MODULE_TYPE_FALLBACK) continue;
            try IERC7579ModuleConfig(account).isModuleInstalled(moduleType, sender, "") returns (bool installed) {
                if (installed) return true;
            } catch {
                return true;
            }
        }
        return false;
    }

    /// @dev Recorded in the account's current epoch, or under its current root; never when revoked.
    function _isGrantedNow(ISessionGrants manager, address account, bytes32 digest, bytes calldata proof) private view returns (bool) {
        (uint8 status, bool current) = manager.sessionRecord(account, digest);
        if (status == STATUS_RECORDED) return current;
        if (status != 0 || proof.length % 32 != 0) return false; // revoked (or renounced)
        bytes32 node = keccak256(abi.encode(digest));
        for (uint256 p = 0; p < proof.length; p += 32) {
            bytes32 sibling = bytes32(proof[p:p + 32]);
            node = node < sibling ? keccak256(abi.encode(node, sibling)) : keccak256(abi.encode(sibling, node));
        }
        bytes32 root = manager.merkleRoot(account);
        // A session root's last byte is zero (docs/sessions.md §3): the tree's top node is compared without it.
        return root != 0 && (uint256(node) >> 8) == (uint256(root) >> 8);
    }

    function _inWindow(SessionCodec.View memory view_) private view returns (bool) {
        return view_.validAfter <= block.timestamp && (view_.validUntil == 0 || block.timestamp <= view_.validUntil);
    }

    /**
     * @dev Whether a typed-data permission of this module lists `(appSeparator, typeHash)` with `contentsHash` the
     * EIP-712 hash of `fields` under that typeHash: the contents are of a listed type, not only said to be.
     */
    function _inScope(
        bytes calldata session,
        SessionCodec.View memory view_,
        bytes32 appSeparator,
        bytes32 contentsHash,
        bytes calldata fields
    ) private view returns (bool) {
        for (uint256 i = 0; i < view_.permissionCount; ++i) {
            (address target, bytes4 selector, , address policy, bytes calldata config) = SessionCodec.permissionAt(session, view_, i);
            if (target != address(this) || selector != MAGIC || policy != address(this)) continue;
            bytes32[] memory scope = abi.decode(config, (bytes32[]));
            for (uint256 j = 0; j + 1 < scope.length; j += 2) {
                if (scope[j] == appSeparator && keccak256(abi.encodePacked(scope[j + 1], fields)) == contentsHash) return true;
            }
        }
        return false;
    }

    /// @dev The account's EIP-712 domain as ERC-7739 hashes it, when it names this account on this chain.
    function _accountDomain(address account) private view returns (bool ok, bytes memory domainBytes) {
        try IERC5267(account).eip712Domain() returns (bytes1, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory) {
            if (chainId != block.chainid || verifyingContract != account) return (false, "");
            return (true, abi.encode(keccak256(bytes(name)), keccak256(bytes(version)), chainId, verifyingContract, salt));
        } catch {
            return (false, "");
        }
    }

    /// @dev The session signer's signature of `hash`: ECDSA against the signer's address, or the session's verifier.
    function _isSignedBySession(bytes calldata session, SessionCodec.View memory view_, bytes32 hash, bytes calldata signature) private view returns (bool) {
        bytes calldata signer = session[view_.signerOffset:view_.signerOffset + view_.signerLength];
        if (view_.signerVerifier == address(0)) {
            (address recovered, ECDSA.RecoverError failure, ) = ECDSA.tryRecoverCalldata(hash, signature);
            return signer.length == 20 && failure == ECDSA.RecoverError.NoError && recovered == address(bytes20(signer));
        }
        try ISessionSignerVerifier(view_.signerVerifier).isValidSessionSignature(signer, hash, signature) returns (bool valid) {
            return valid;
        } catch {
            return false;
        }
    }
}
