// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC7579Validator, IERC7579Module, IERC7579ModuleConfig, MODULE_TYPE_VALIDATOR, MODULE_TYPE_EXECUTOR, MODULE_TYPE_FALLBACK, MODULE_TYPE_HOOK} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";
import {PackedUserOperation} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Execution} from "@openzeppelin/contracts/account/utils/draft-ERC7579Utils.sol";
import {AccountSessions, SessionRecord, SessionTypes} from "./SessionTypes.sol";
import {SessionCodec} from "./SessionCodec.sol";
import {ExecutionCalls} from "./ExecutionCalls.sol";
import {ISessionPolicy} from "./ISessionPolicy.sol";
import {ISessionGasPolicy} from "./ISessionGasPolicy.sol";
import {ISessionSignerVerifier} from "./ISessionSignerVerifier.sol";
import {CallRules} from "../policies/CallRules.sol";
import {GasRules} from "../policies/GasRules.sol";
import {CallParamPath} from "../policies/CallParamPath.sol";

/**
 * @title SessionKeyManager
 * @notice Session keys for any ERC-7579 account: a validator module (type 1) that lets a session signer send
 * userOps that only make the calls its session permits, inside the session's window, until revoked.
 *
 * Sessions reach the chain in two ways:
 * - **Merkle root**: the account sets one root (`setMerkleRoot`) committing to many sessions; a use carries
 *   the session and its proof (mode 0x00).
 * - **Enable in the first use**: the owner signs, off chain, an EIP-712 `ApproveSession` (checked through
 *   the account's ERC-1271) bound to the account, the chain, this manager and the account's epoch; the first
 *   use carries it (mode 0x01) and the manager records the session; later uses name the record (mode 0x02).
 *
 * A batch execution may also use a different session for each call (mode 0x80): all of one signer, each
 * granted in one of the three ways, the windows intersected. There is no separate router: nothing in the
 * signature names a module that the manager would then trust.
 *
 * The userOp signature layout is specified in docs/sessions.md. Select this manager through the userOp nonce
 * key (on OpenZeppelin-layout accounts: `manager (20) ‖ key (4)`).
 *
 * Guarantees, whatever the session says:
 * - only ERC-7579 `execute` with single or batch calls (no delegatecall, no other account function);
 * - never a call to the account itself, to address zero (which ERC-7579 executions, OpenZeppelin's among them,
 *   turn into a call to the account), to this manager or to an EntryPoint (v0.6 to v0.9: its deposit and stake
 *   are the account's), nor to any contract's `onInstall`/`onUninstall`; a permission for any target never
 *   reaches a module that the account reports installed (fallback handlers and per-selector hooks: for the
 *   call's selector), and an account that cannot answer is taken to have it installed;
 * - only an account that installed the manager can set a root or record a session, and an installation starts
 *   from a clean state: nothing planted before it counts;
 * - session signatures are never valid as the account's ERC-1271 signatures;
 * - validation reads no TIMESTAMP/NUMBER (the window goes back as validAfter/validUntil) and keeps storage
 *   only under the account as the innermost key (ERC-7562, unstaked account).
 *
 * A permission whose policy is this manager's own address has a CallPolicy config that the manager evaluates
 * itself ({CallRules}, the same code as the CallPolicy module; its limits' counters kept here, readable with
 * `usage`): the built-in fast path, which saves the call to another contract. Any other policy address is a
 * pluggable {ISessionPolicy} module. Likewise a session whose gas policy is this manager has its GasPolicy config
 * evaluated here ({GasRules}, the same code as the GasPolicy module), its counters kept here.
 */
contract SessionKeyManager is IERC7579Validator, CallRules, GasRules {
    using MessageHashUtils for bytes32;

    /// @dev The canonical EntryPoints (v0.6, v0.7, v0.8, v0.9): a session may never call them.
    address private constant ENTRY_POINT_V06 = 0x5FF137D4b0FDCD49DcA30c7CF57E578a026d2789;
    address private constant ENTRY_POINT_V07 = 0x0000000071727De22E5E9d8BAf0edAc6f37da032;
    address private constant ENTRY_POINT_V08 = 0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108;
    address private constant ENTRY_POINT_V09 = 0x433709009B8330FDa32311DF1C2AFA402eD8D009;

    /// @dev Offsets in PackedUserOperation's ABI head of its `callData` and `signature` fields.
    uint256 private constant USER_OP_CALL_DATA = 0x60;
    uint256 private constant USER_OP_SIGNATURE = 0x100;

    /// @dev Tags what a session signer signs to renounce its session: no session signing hash has this preimage.
    bytes32 private constant RENOUNCE_TAG = keccak256("Latchkey.RenounceSession");

    mapping(address account => AccountSessions) private _accounts;
    mapping(bytes32 digest => mapping(address account => SessionRecord)) private _records;

    /// @notice The account set the Merkle root of its granted sessions.
    event SessionRootSet(address indexed account, bytes32 root);
    /// @notice A session was recorded for the account by its first use with an owner approval.
    event SessionRecorded(address indexed account, bytes32 indexed digest);
    /// @notice The account revoked a session.
    event SessionRevoked(address indexed account, bytes32 indexed digest);
    /// @notice The account revoked every session and outstanding approval; `epoch` is the new epoch.
    event AllSessionsRevoked(address indexed account, uint64 epoch);

    /// @notice The userOp's sender is not the calling account.
    error SessionWrongSender(address sender, address caller);
    /// @notice The signature is cut short or its mode byte is unknown.
    error SessionSignatureMalformed(uint256 offset);
    /// @notice The session is neither in the account's Merkle root nor recorded in the current epoch.
    error SessionNotGranted(bytes32 digest);
    /// @notice The session was revoked.
    error SessionIsRevoked(bytes32 digest);
    /// @notice The owner's approval does not validate through the account's ERC-1271.
    error SessionApprovalInvalid(bytes32 digest);
    /// @notice One call index per call is required.
    error SessionCallCountMismatch(uint256 calls, uint256 indices);
    /// @notice Call `callIndex` names permission `permissionIndex`, which the session does not have.
    error SessionPermissionMissing(uint256 callIndex, uint256 permissionIndex);
    /// @notice Call `callIndex` goes to the account itself, this manager, an EntryPoint, or an installed module.
    error SessionTargetForbidden(uint256 callIndex, address target);
    /// @notice Call `callIndex` does not match its permission's target or function.
    error SessionCallNotPermitted(uint256 callIndex, address target, bytes4 selector);
    /// @notice Call `callIndex` sends more native value than its permission allows.
    error SessionValueAboveLimit(uint256 callIndex, uint256 value, uint256 limit);
    /// @notice A policy returned a signature-failure or aggregator value instead of reverting.
    error SessionPolicyResultInvalid(uint256 callIndex, address policy);
    /// @notice Batch mode: session `sessionIndex` has another signer (or signer verifier) than session 0.
    error SessionSignerMismatch(uint256 sessionIndex);
    /// @notice Batch mode: call `callIndex` names session `sessionIndex`, which the signature does not carry.
    error SessionBatchSessionMissing(uint256 callIndex, uint256 sessionIndex);
    /// @notice Batch mode: session `sessionIndex` is carried but no call uses it.
    error SessionBatchSessionUnused(uint256 sessionIndex);
    /// @notice Batch mode: session `sessionIndex` is the same session as an earlier entry.
    error SessionBatchSessionRepeated(uint256 sessionIndex);
    /// @notice A session root must end in a zero byte (the tree's top node with its last byte cleared: docs/sessions.md §3).
    error SessionRootMalformed(bytes32 root);
    /// @notice `account` has not installed this manager: it can neither configure it nor use its sessions.
    error SessionManagerNotInstalled(address account);
    /// @notice A renounce not signed by the session's signer.
    error SessionRenounceUnsigned(bytes32 digest);

    /**
     * @dev The EIP-712 domain of owner approvals: name "Latchkey SessionKeyManager", version "1", the chain id
     * and this manager. Not published through ERC-5267's `eip712Domain()`: the manager has no room left under
     * EIP-170 for it, and the SDK and wallets take the domain from the typed data they are given
     * (docs/sessions.md). Its separator is computed at deployment, and again only on another chain (a fork) or
     * at another address (a delegatecall).
     */
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant DOMAIN_NAME_HASH = keccak256("Latchkey SessionKeyManager");
    bytes32 private constant DOMAIN_VERSION_HASH = keccak256("1");
    uint256 private immutable _deployedChainId = block.chainid;
    address private immutable _deployedAt = address(this);
    bytes32 private immutable _deployedDomainSeparator = _domainSeparatorNow();

    // ------------------------------------------------------------------ module lifecycle

    /**
     * @notice Installs the manager for the calling account from a clean state. Optional data: a 32-byte Merkle
     * root to set (none: no session). Nothing from before counts: only an installed account can write its root
     * or record a session, an uninstall cleared the root and moved the epoch on, and an install over an
     * installed manager (an account that installs again without uninstalling) revokes everything first.
     */
    function onInstall(bytes calldata data) external {
        if (data.length != 32 && data.length != 0) revert SessionSignatureMalformed(data.length);
        AccountSessions storage state = _accounts[msg.sender];
        if (state.installed) _revokeAll(msg.sender);
        state.installed = true;
        _setRoot(msg.sender, data.length == 32 ? bytes32(data) : bytes32(0));
    }

    /// @notice Revokes everything and forgets the installation, so that reinstalling brings no old session back.
    function onUninstall(bytes calldata) external {
        _revokeAll(msg.sender);
        _accounts[msg.sender].installed = false;
    }

    /// @notice Whether `account` has installed this manager (as this manager saw it: `onInstall` without `onUninstall`).
    function isInitialized(address account) external view returns (bool) {
        return _accounts[account].installed;
    }

    /// @inheritdoc IERC7579Module
    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    // ------------------------------------------------------------------ owner actions (the account calls)

    /**
     * @notice Sets the calling account's Merkle root of granted sessions (replacing the previous root). Only an
     * account that has installed the manager: a root must never wait here for a later installation.
     */
    function setMerkleRoot(bytes32 root) external {
        _requireInstalled(msg.sender);
        _setRoot(msg.sender, root);
    }

    /**
     * @notice Revokes the given sessions of the calling account (granted, recorded or only approved). From then
     * on the account's root-mode uses also read their revocation record (+2,100 gas each): to drop a session
     * granted by root and keep one read per use, set a new root without it instead.
     */
    function revokeSessions(bytes32[] calldata digests) external {
        _requireInstalled(msg.sender);
        // The flag only when something is revoked: an empty call must not cost every later root-mode use.
        if (digests.length != 0) _accounts[msg.sender].rootWord |= bytes32(SessionTypes.REVOKED_ONE_BY_ONE);
        for (uint256 i = 0; i < digests.length; ++i) {
            _records[digests[i]][msg.sender].status = SessionTypes.STATUS_REVOKED;
            emit SessionRevoked(msg.sender, digests[i]);
        }
    }

    /// @notice Revokes every session and every outstanding approval of the calling account.
    function revokeAllSessions() external {
        _requireInstalled(msg.sender);
        _revokeAll(msg.sender);
    }

    /**
     * @notice The holder of a session gives it up (a spender's renounce): from now on it is revoked for
     * `account`, exactly as if the account had revoked it. Anyone may send this (a relayer, the holder's own
     * EOA); what authorizes it is the session signer's signature of {renounceHash}, checked as its userOp
     * signatures are (EIP-191 of the hash; ECDSA inline, other kinds by the session's verifier). The session
     * must be the account's now: recorded in its current epoch, or, with `proof`, in its current root, so
     * that no one can make an account pay the revocation-record read of root-mode uses (+2,100 gas) for a
     * session it never granted.
     */
    function renounceSession(address account, bytes calldata encodedSession, bytes calldata proof, bytes calldata signature) external {
        SessionCodec.View memory session = _scanWhole(encodedSession);
        bytes32 digest = SessionCodec.digestOf(encodedSession, session);
        AccountSessions storage state = _accounts[account];
        SessionRecord storage record = _records[digest][account];
        bool recorded = record.status == SessionTypes.STATUS_RECORDED && record.epoch == state.epoch;
        bool inRoot = proof.length % 32 == 0 && _leadsToRoot(_proofRoot(_leaf(digest), proof), state.rootWord);
        if (!recorded && !inRoot) revert SessionNotGranted(digest);
        if (!_isSignedBySession(encodedSession, session, renounceHash(account, digest).toEthSignedMessageHash(), signature)) {
            revert SessionRenounceUnsigned(digest);
        }
        if (inRoot) state.rootWord |= bytes32(SessionTypes.REVOKED_ONE_BY_ONE);
        record.status = SessionTypes.STATUS_REVOKED;
        emit SessionRevoked(account, digest);
    }

    /// @notice What a session's signer signs (as EIP-191 of these 32 bytes) to renounce it for `account`.
    function renounceHash(address account, bytes32 digest) public view returns (bytes32) {
        return keccak256(abi.encode(RENOUNCE_TAG, block.chainid, address(this), account, digest));
    }

    // ------------------------------------------------------------------ views

    /// @notice The account's Merkle root of granted sessions (zero: none).
    function merkleRoot(address account) external view returns (bytes32) {
        return _accounts[account].rootWord & bytes32(SessionTypes.ROOT_BITS);
    }

    /// @notice The account's epoch: owner approvals name it, and revoking all sessions moves it on.
    function epoch(address account) external view returns (uint64) {
        return _accounts[account].epoch;
    }

    /**
     * @notice A session's record for an account: 0 none, 1 recorded, 2 revoked; `current` is true when a
     * recorded session belongs to the account's current epoch.
     */
    function sessionRecord(address account, bytes32 digest) external view returns (uint8 status, bool current) {
        SessionRecord memory record = _records[digest][account];
        return (record.status, record.epoch == _accounts[account].epoch);
    }

    /// @notice The digest of a session in the compact encoding: keccak256 of the encoding, checked to be one session.
    function sessionDigest(bytes calldata encodedSession) external pure returns (bytes32) {
        return SessionCodec.digestOf(encodedSession, _scanWhole(encodedSession));
    }

    /// @notice The EIP-712 struct hash of a session in the compact encoding (what approvals commit to).
    function sessionTypedHash(bytes calldata encodedSession) external pure returns (bytes32) {
        return SessionCodec.typedHashOf(encodedSession, _scanWhole(encodedSession));
    }

    /// @notice The EIP-712 hash an owner signs (through the account's ERC-1271) to approve a session now.
    function approvalHash(address account, bytes calldata encodedSession) external view returns (bytes32) {
        return _approvalHash(account, _accounts[account].epoch, SessionCodec.typedHashOf(encodedSession, _scanWhole(encodedSession)));
    }

    /// @dev The layout of an encoded session given alone (nothing may follow it).
    function _scanWhole(bytes calldata encodedSession) private pure returns (SessionCodec.View memory v) {
        v = SessionCodec.scan(encodedSession, 0);
        if (v.end != encodedSession.length) revert SessionSignatureMalformed(v.end);
    }

    // ------------------------------------------------------------------ validation

    /// @inheritdoc IERC7579Validator
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash) external returns (uint256) {
        if (_triesCommonPath()) {
            (bool accepted, uint256 validationData) = _validateCommonUse(userOp, userOpHash);
            if (accepted) return validationData;
        }
        address account = msg.sender;
        if (userOp.sender != account) revert SessionWrongSender(userOp.sender, account);
        bytes calldata signature = _bytesField(userOp, USER_OP_SIGNATURE);
        if (signature.length == 0) revert SessionSignatureMalformed(0);
        uint8 mode = uint8(bytes1(_at(signature, 0)));
        if (mode == SessionTypes.MODE_BATCH) return _validateBatch(account, userOp, userOpHash);

        // The session is read in place from calldata: its digest is keccak256 of its bytes.
        SessionCodec.View memory session = SessionCodec.scan(signature, 1);
        bytes32 digest = SessionCodec.digestOf(signature, session);
        uint256 p = _authorize(account, mode, digest, signature, session);

        // One permission index per call, the declared time, then the session signer's signature.
        _need(signature, p + 1);
        uint256 indexCount = uint8(bytes1(_at(signature, p)));
        _need(signature, p + 7 + indexCount);
        bytes calldata indices = _slice(signature, p + 1, indexCount);
        uint48 declaredTime = uint48(uint256(_at(signature, p + 1 + indexCount)) >> 208);
        bytes calldata signerSignature = _slice(signature, p + 7 + indexCount, signature.length - (p + 7 + indexCount));

        uint256 policyValidation = session.gasPolicy == address(0)
            ? 0
            : _checkGas(account, digest, declaredTime, signature, session, userOp);
        policyValidation = _intersect(
            policyValidation,
            _checkCalls(account, digest, declaredTime, signature, session, _bytesField(userOp, USER_OP_CALL_DATA), indices)
        );
        // The signer signs the userOpHash together with the session's digest, the permission indices and the
        // declared time: whoever relays the op can move it neither to another session of the same signer, nor a
        // call to another permission, nor the op to another period (the userOpHash does not cover the signature).
        bytes32 signed_ = _signedHash(userOpHash, digest, indices, declaredTime);
        bool signed = _isSignedBySession(signature, session, signed_, signerSignature);
        return _intersect(_packValidationData(!signed, session.validUntil, session.validAfter), policyValidation);
    }

    // ------------------------------------------------------------------ the common use, in one pass

    /**
     * @dev The common use, checked in one pass over calldata: mode 0x00 (root) or 0x02 (recorded), a session with
     * an ECDSA signer, a single execution of one call. Another shape, a session it cannot read, a grant or a
     * signature that does not hold: it hands the op to the general path (`accepted` false) before any state
     * changes, and the general path accepts it or refuses it with the typed error of the rule that failed. Once
     * the session, its grant and the signer's signature hold, it runs the checks that the general path runs after
     * those, in the same order and with the same arguments ({_checkGasPolicy}, {_checkCall}): an op either path
     * refuses, both refuse with the same error. So both give the same answer (test/commonUse.test.ts sends the
     * same ops through both). The cheap tests of shape come first, so that what goes to the general path has cost
     * little here.
     *
     * Positions here are absolute calldata offsets. The signature is `mode ‖ session ‖ (root mode: proofLength
     * (1) ‖ proof) ‖ 0x01 ‖ permissionIndex (1) ‖ declaredTime (6) ‖ r ‖ s ‖ v`.
     */
    function _validateCommonUse(PackedUserOperation calldata userOp, bytes32 userOpHash) private returns (bool, uint256) {
        if (userOp.sender != msg.sender) return (false, 0);
        (uint256 sig, uint256 sigLength, bool inside) = _fieldBounds(userOp, USER_OP_SIGNATURE);
        // Mode 0x00 or 0x02 (the mode byte's bits 0x fd clear) and an ECDSA signer (head bit 0 clear).
        if (!inside || sigLength < 2 || CallParamPath.u256(sig) & (0xfd01 << 240) != 0) return (false, 0);
        (bool single, address target, uint256 value, uint256 data, uint256 dataLength) = _commonCall(userOp);
        if (!single) return (false, 0);
        (uint256 end, uint256 window, address signer, uint256 permissions, uint256 count, uint256 gasPart) = _commonSession(sig, sigLength);
        if (end == 0) return (false, 0);
        uint256 mode = CallParamPath.u8(sig);
        uint256 q;
        unchecked {
            // Positions are calldata offsets plus at most 2^26: no overflow.
            q = mode == SessionTypes.MODE_USE_ROOT ? end + 1 + 32 * CallParamPath.u8(end) : end;
            if (q + 73 != sig + sigLength || CallParamPath.u8(q) != 1) return (false, 0);
        }
        bytes32 digest;
        unchecked {
            digest = _hashCalldata(sig + 1, end - sig - 1);
        }
        if (!_isGrantedCommon(msg.sender, mode, digest, end + 1, q)) return (false, 0);
        uint48 declaredTime;
        unchecked {
            declaredTime = uint48(CallParamPath.u256(q + 2) >> 208);
            bytes32 signed_ = _signedHash(userOpHash, digest, _calldataAt(q + 1, 1), declaredTime);
            if (!_isSignedByKey(signer, signed_, _calldataAt(q + 8, 65))) return (false, 0);
        }
        // From here on, what the general path checks after the session, its grant and the signer's signature, in
        // its order (the gas policy, then the call) and with the same arguments: it refuses with the same error.
        if (gasPart != 0) {
            uint256 gasHead = CallParamPath.u256(gasPart); // gasPolicy (20) ‖ gasConfigLength (2) ‖ config
            address gasPolicy = address(uint160(gasHead >> 96));
            if (gasPolicy != address(0)) {
                bytes calldata gasConfig = _calldataAt(gasPart + 22, uint16(gasHead >> 80));
                window = _intersect(window, _checkGasPolicy(userOp, msg.sender, digest, declaredTime, gasPolicy, gasConfig));
            }
        }
        uint256 callValidation = _checkCall(
            msg.sender, digest, declaredTime, permissions, count, 0, CallParamPath.u8(q + 1), target, value, _calldataAt(data, dataLength)
        );
        return (true, _intersect(window, callValidation));
    }

    /**
     * @dev Whether validation tries {_validateCommonUse} first: always here. A test build answers false
     * (src/testing/GeneralPathSessionKeyManager.sol) so that the general path can be compared with it alone.
     */
    function _triesCommonPath() internal pure virtual returns (bool) {
        return true;
    }

    /**
     * @dev The session at `sig + 1` when the common path takes it, checked as {SessionCodec.scan} checks it:
     * mode 0x00 or 0x02, head bit 0 clear (an ECDSA signer), the canonical form, the end inside the signature.
     * `end` is 0 otherwise. `window` is the validity window as validation data; `gasPart` the calldata offset
     * of the gas part (0: none).
     */
    function _commonSession(uint256 sig, uint256 sigLength) private pure returns (uint256 end, uint256 window, address signer, uint256 permissions, uint256 count, uint256 gasPart) {
        assembly ("memory-safe") {
            let w := calldataload(sig) // mode ‖ head ‖ validAfter (6) ‖ validUntil (6) ‖ salt …
            let head := byte(1, w)
            let saltLength := shr(2, head)
            let ok := and(iszero(and(byte(0, w), 0xfd)), and(iszero(and(head, 1)), lt(saltLength, 33)))
            let p := add(sig, 14)
            if saltLength { ok := and(ok, iszero(iszero(byte(0, calldataload(p))))) } // no leading zero byte
            p := add(p, saltLength)
            signer := shr(96, calldataload(p))
            count := byte(0, calldataload(add(p, 20)))
            p := add(p, 21)
            permissions := p
            // Each permission: target (20) ‖ selector (4) ‖ shape (1) ‖ value limit ‖ (policy (20) ‖ length (2) ‖ config).
            let sigEnd := add(sig, sigLength)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                if gt(p, sigEnd) { break } // cut short: refused below (no reading on past the data)
                let shape := byte(24, calldataload(p))
                let valueLength := and(shape, 0x1f)
                ok := and(ok, and(iszero(and(shape, 0xc0)), lt(valueLength, 17)))
                p := add(p, 25)
                if valueLength { ok := and(ok, iszero(iszero(byte(0, calldataload(p))))) }
                p := add(p, valueLength)
                if and(shape, 0x20) {
                    let policyHead := calldataload(p)
                    let configLength := and(shr(80, policyHead), 0xffff)
                    ok := and(ok, or(iszero(iszero(shr(96, policyHead))), iszero(iszero(configLength))))
                    p := add(p, add(22, configLength))
                }
            }
            if and(head, 2) {
                // The gas part: gasPolicy (20) ‖ gasConfigLength (2) ‖ config, not both empty.
                let gasHead := calldataload(p)
                let configLength := and(shr(80, gasHead), 0xffff)
                ok := and(ok, or(iszero(iszero(shr(96, gasHead))), iszero(iszero(configLength))))
                gasPart := p
                p := add(p, add(22, configLength))
            }
            // Positions grow by less than 2^26 in all: an end inside the signature read nothing outside it.
            end := mul(p, and(ok, iszero(gt(p, sigEnd))))
            window := or(shl(160, and(shr(144, w), 0xffffffffffff)), shl(208, and(shr(192, w), 0xffffffffffff)))
        }
    }

    /**
     * @dev Whether the session is granted as `mode` claims (root mode: its proof at calldata [proof, proofEnd)).
     * Each slot read once. The layouts (SessionTypes.sol): `_records[digest][account]` is a {SessionRecord},
     * `epoch (64)` then `status (8)` in one slot; `_accounts[account]` is an {AccountSessions}, `rootWord` in its
     * first slot, `epoch (64)` then `installed (8)` in its second.
     */
    function _isGrantedCommon(address account, uint256 mode, bytes32 digest, uint256 proof, uint256 proofEnd) private view returns (bool granted) {
        uint256 recordSlot;
        uint256 accountSlot;
        assembly ("memory-safe") {
            mstore(0x00, digest)
            mstore(0x20, _records.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, account)
            recordSlot := keccak256(0x00, 0x40)
            mstore(0x20, _accounts.slot)
            accountSlot := keccak256(0x00, 0x40)
        }
        if (mode == SessionTypes.MODE_USE_RECORDED) {
            assembly ("memory-safe") {
                let record := sload(recordSlot)
                let state := sload(add(accountSlot, 1))
                let installed := and(shr(64, state), 0xff)
                let sameEpoch := iszero(and(xor(record, state), 0xffffffffffffffff))
                granted := and(and(iszero(iszero(installed)), sameEpoch), eq(and(shr(64, record), 0xff), 1)) // STATUS_RECORDED
            }
            return granted;
        }
        bytes32 rootWord;
        assembly ("memory-safe") {
            rootWord := sload(accountSlot)
        }
        if (!_leadsToRoot(_proofRoot(_leaf(digest), _calldataAt(proof, proofEnd - proof)), rootWord)) return false;
        if (uint256(rootWord) & SessionTypes.REVOKED_ONE_BY_ONE == 0) return true;
        assembly ("memory-safe") {
            granted := iszero(eq(and(shr(64, sload(recordSlot)), 0xff), 2)) // not STATUS_REVOKED
        }
    }

    /**
     * @dev Whether a proof's top node matches the account's root (`rootWord` as stored): its first 31 bytes
     * equal a root that is not zero. A root that is not zero was set by an installed account (onInstall or
     * setMerkleRoot) and is cleared at uninstall: root mode needs no separate check of the installation.
     */
    function _leadsToRoot(bytes32 node, bytes32 rootWord) private pure returns (bool) {
        return uint256(rootWord) >> 8 != 0 && (uint256(node) ^ uint256(rootWord)) >> 8 == 0;
    }

    /**
     * @dev The one call of the userOp's callData, when it is `execute` of a single call as {ExecutionCalls.split}
     * and {ExecutionCalls.single} accept it (`single` false otherwise): the call's data at calldata
     * [data, data + dataLength).
     */
    function _commonCall(PackedUserOperation calldata userOp) private pure returns (bool single, address target, uint256 value, uint256 data, uint256 dataLength) {
        (uint256 cd, uint256 length, bool inside) = _fieldBounds(userOp, USER_OP_CALL_DATA);
        assembly ("memory-safe") {
            // execute(bytes32,bytes) 0xe9ae5c53; mode: call type single (0x00), exec type default or try, the rest
            // zero; the bytes at the standard offset 0x40, inside the callData, holding at least target ‖ value.
            let executionLength := calldataload(add(cd, 68))
            single := and(and(inside, gt(length, 151)), eq(shr(224, calldataload(cd)), 0xe9ae5c53))
            single := and(single, iszero(and(calldataload(add(cd, 4)), not(shl(240, 1)))))
            single := and(single, eq(calldataload(add(cd, 36)), 0x40))
            single := and(single, and(gt(executionLength, 51), iszero(gt(executionLength, sub(length, 100)))))
            target := shr(96, calldataload(add(cd, 100)))
            value := calldataload(add(cd, 120))
            data := add(cd, 152)
            dataLength := sub(executionLength, 52)
        }
    }

    /// @dev A target no session may call: the account itself, address zero, this manager, an EntryPoint.
    function _isForbiddenTarget(address account, address target) private view returns (bool forbidden) {
        assembly ("memory-safe") {
            forbidden := or(or(iszero(target), eq(target, account)), or(eq(target, address()), eq(target, ENTRY_POINT_V07)))
            forbidden := or(forbidden, or(eq(target, ENTRY_POINT_V06), or(eq(target, ENTRY_POINT_V08), eq(target, ENTRY_POINT_V09))))
        }
    }

    /// @dev keccak256 of calldata [from, from + length).
    function _hashCalldata(uint256 from, uint256 length) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, from, length)
            h := keccak256(m, length)
        }
    }

    /// @dev Calldata [offset, offset + length) as a `bytes calldata` (bounds are the caller's).
    function _calldataAt(uint256 offset, uint256 length) private pure returns (bytes calldata part) {
        assembly ("memory-safe") {
            part.offset := offset
            part.length := length
        }
    }

    /**
     * @dev Where a `bytes` field of the userOp lies in calldata (`field` is its position's byte offset in the
     * struct's head), without the ABI decoder's generic checks; `inside` false when it does not lie inside the
     * calldata.
     */
    function _fieldBounds(PackedUserOperation calldata userOp, uint256 field) private pure returns (uint256 offset, uint256 length, bool inside) {
        assembly ("memory-safe") {
            let at := add(userOp, calldataload(add(userOp, field)))
            length := calldataload(at)
            offset := add(at, 0x20)
            // No overflow: each term is below 2^64 or the sum exceeds the calldata.
            inside := and(and(lt(length, 0x10000000000000000), lt(at, 0x10000000000000000)), iszero(gt(add(offset, length), calldatasize())))
        }
    }

    /**
     * @dev What the session signer signs in the single modes: the EIP-191 hash of
     * `userOpHash ‖ digest ‖ indices ‖ declaredTime (6)` (the same bytes as `abi.encodePacked` of them).
     */
    function _signedHash(bytes32 userOpHash, bytes32 digest, bytes calldata indices, uint48 declaredTime) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, userOpHash)
            mstore(add(m, 0x20), digest)
            calldatacopy(add(m, 0x40), indices.offset, indices.length)
            mstore(add(add(m, 0x40), indices.length), shl(208, declaredTime))
            let inner := keccak256(m, add(0x46, indices.length))
            mstore(0x00, "\x19Ethereum Signed Message:\n32") // 28 bytes, then the hash from 0x1c
            mstore(0x1c, inner)
            h := keccak256(0x00, 0x3c)
        }
    }

    /**
     * @dev A `bytes` field of the userOp (`field` is its position's byte offset in the struct's head), read
     * without the ABI decoder's generic checks: the field must lie inside the calldata, or the op is refused.
     */
    function _bytesField(PackedUserOperation calldata userOp, uint256 field) private pure returns (bytes calldata value) {
        (uint256 offset, uint256 length, bool inside) = _fieldBounds(userOp, field);
        if (!inside) revert SessionSignatureMalformed(field);
        return _calldataAt(offset, length);
    }

    /// @dev `data[from:from + length]`; bounds are the caller's (checked with {_need}).
    function _slice(bytes calldata data, uint256 from, uint256 length) private pure returns (bytes calldata part) {
        assembly ("memory-safe") {
            part.offset := add(data.offset, from)
            part.length := length
        }
    }

    /// @dev The 32 bytes at offset `p` of `data` (bounds are the caller's: zeros past the calldata's end).
    function _at(bytes calldata data, uint256 p) private pure returns (bytes32 w) {
        assembly ("memory-safe") {
            w := calldataload(add(data.offset, p))
        }
    }

    /// @notice Session signatures are never the account's signature (ERC-1271 default deny).
    function isValidSignatureWithSender(address, bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks that the session is granted to `account` in the way `mode` claims; returns the next offset.
    function _authorize(
        address account,
        uint8 mode,
        bytes32 digest,
        bytes calldata signature,
        SessionCodec.View memory session
    ) private returns (uint256 p) {
        p = session.end;
        if (mode == SessionTypes.MODE_USE_ROOT) {
            _need(signature, p + 1);
            uint256 proofLength = uint8(bytes1(_at(signature, p)));
            p += 1;
            _need(signature, p + proofLength * 32);
            bytes32 node = _proofRoot(_leaf(digest), _slice(signature, p, proofLength * 32));
            p += proofLength * 32;
            bytes32 rootWord = _accounts[account].rootWord;
            if (!_leadsToRoot(node, rootWord)) revert SessionNotGranted(digest);
            if (
                uint256(rootWord) & SessionTypes.REVOKED_ONE_BY_ONE != 0 &&
                _records[digest][account].status == SessionTypes.STATUS_REVOKED
            ) revert SessionIsRevoked(digest);
            return p;
        }
        if (mode == SessionTypes.MODE_ENABLE_AND_USE) {
            _need(signature, p + 2);
            uint256 approvalLength = uint16(bytes2(signature[p:p + 2]));
            p += 2;
            _need(signature, p + approvalLength);
            bytes calldata approval = signature[p:p + approvalLength];
            p += approvalLength;
            AccountSessions storage state = _accounts[account];
            if (!state.installed) revert SessionManagerNotInstalled(account);
            SessionRecord storage record = _records[digest][account];
            if (record.status == SessionTypes.STATUS_REVOKED) revert SessionIsRevoked(digest);
            uint64 currentEpoch = state.epoch;
            bytes32 hash = _approvalHash(account, currentEpoch, SessionCodec.typedHashOf(signature, session));
            if (!_isValidAccountSignature(account, hash, approval)) revert SessionApprovalInvalid(digest);
            record.epoch = currentEpoch;
            record.status = SessionTypes.STATUS_RECORDED;
            emit SessionRecorded(account, digest);
            return p;
        }
        if (mode == SessionTypes.MODE_USE_RECORDED) {
            AccountSessions storage state = _accounts[account];
            if (!state.installed) revert SessionManagerNotInstalled(account);
            SessionRecord memory record = _records[digest][account];
            if (record.status == SessionTypes.STATUS_REVOKED) revert SessionIsRevoked(digest);
            if (record.status != SessionTypes.STATUS_RECORDED || record.epoch != state.epoch) {
                revert SessionNotGranted(digest);
            }
            return p;
        }
        revert SessionSignatureMalformed(session.start - 1); // the offset of the unknown mode byte
    }

    /**
     * @dev Mode 0x80: `sessionCount (1) ‖ sessionCount × [grantMode (1) ‖ session ‖ grant proof] ‖ callCount (1) ‖
     * callCount × [sessionIndex (1) ‖ permissionIndex (1)] ‖ declaredTime (6) ‖ signer signature`. Every session
     * is granted (each in its own way), has session 0's signer, appears once and is used by some call; every
     * call is checked against its own session's permission and policy; each session's gas policy sees the op;
     * the windows intersect. The signer signs `0x80 ‖ userOpHash ‖ digest of each session ‖ call entries ‖ declaredTime`.
     */
    function _validateBatch(address account, PackedUserOperation calldata userOp, bytes32 userOpHash) private returns (uint256) {
        bytes calldata signature = userOp.signature;
        _need(signature, 2);
        uint256 sessionCount = uint8(signature[1]);
        if (sessionCount == 0) revert SessionSignatureMalformed(1);
        SessionCodec.View[] memory sessions = new SessionCodec.View[](sessionCount);
        bytes32[] memory digests = new bytes32[](sessionCount);
        uint256 p = 2;
        for (uint256 s = 0; s < sessionCount; ++s) {
            _need(signature, p + 1);
            uint8 grantMode = uint8(signature[p]);
            SessionCodec.View memory session = SessionCodec.scan(signature, p + 1);
            bytes32 digest = SessionCodec.digestOf(signature, session);
            for (uint256 t = 0; t < s; ++t) if (digests[t] == digest) revert SessionBatchSessionRepeated(s);
            if (s > 0 && !_sameSigner(signature, sessions[0], session)) revert SessionSignerMismatch(s);
            // Only modes 0x00 to 0x02 are grants: a batch never nests.
            p = _authorize(account, grantMode, digest, signature, session);
            sessions[s] = session;
            digests[s] = digest;
        }

        _need(signature, p + 1);
        uint256 callCount = uint8(signature[p]);
        _need(signature, p + 7 + 2 * callCount);
        bytes calldata entries = signature[p + 1:p + 1 + 2 * callCount];
        uint48 declaredTime = uint48(bytes6(signature[p + 1 + 2 * callCount:p + 7 + 2 * callCount]));

        uint256 validationData = 0;
        for (uint256 s = 0; s < sessionCount; ++s) {
            SessionCodec.View memory session = sessions[s];
            validationData = _intersect(validationData, _packValidationData(false, session.validUntil, session.validAfter));
            if (session.gasPolicy != address(0)) {
                validationData = _intersect(validationData, _checkGas(account, digests[s], declaredTime, signature, session, userOp));
            }
        }
        validationData = _intersect(
            validationData,
            _checkBatchCalls(account, digests, sessions, declaredTime, signature, userOp.callData, entries)
        );
        // Which sessions, which call under which permission of which, and the declared time are all signed (as
        // in the single mode, so that a relayer can move nothing). The mode byte leads, and the preimage's
        // length, 39 + 32 × sessions + 2 × calls bytes, never equals a single-mode preimage's for the same op
        // (70 + calls): a signature made for one mode is never valid in the other.
        bytes32 signed_ = keccak256(
            abi.encodePacked(bytes1(SessionTypes.MODE_BATCH), userOpHash, digests, entries, bytes6(declaredTime))
        ).toEthSignedMessageHash();
        bool signed = _isSignedBySession(signature, sessions[0], signed_, signature[p + 7 + 2 * callCount:]);
        return _intersect(_packValidationData(!signed, 0, 0), validationData);
    }

    /// @dev Checks every call of a batch-mode userOp against the session and permission its entry names.
    function _checkBatchCalls(
        address account,
        bytes32[] memory digests,
        SessionCodec.View[] memory sessions,
        uint48 declaredTime,
        bytes calldata signature,
        bytes calldata callData,
        bytes calldata entries
    ) private returns (uint256 validationData) {
        (bool batch, bytes calldata executionCalldata) = ExecutionCalls.split(callData);
        uint256 callCount = entries.length / 2;
        uint256 used;
        if (!batch) {
            if (callCount != 1) revert SessionCallCountMismatch(1, callCount);
            (address target, uint256 value, bytes calldata data) = ExecutionCalls.single(executionCalldata);
            uint256 s = uint8(entries[0]);
            if (s >= sessions.length) revert SessionBatchSessionMissing(0, s);
            used = 1 << s;
            validationData = _checkCall(account, digests[s], declaredTime, _permissions(signature, sessions[s]), sessions[s].permissionCount, 0, uint8(entries[1]), target, value, data);
        } else {
            Execution[] calldata calls = ExecutionCalls.batchOf(executionCalldata);
            if (calls.length == 0 || callCount != calls.length) revert SessionCallCountMismatch(calls.length, callCount);
            for (uint256 i = 0; i < calls.length; ++i) {
                uint256 s = uint8(entries[2 * i]);
                if (s >= sessions.length) revert SessionBatchSessionMissing(i, s);
                used |= 1 << s;
                validationData = _intersect(
                    validationData,
                    _checkCall(
                        account,
                        digests[s],
                        declaredTime,
                        _permissions(signature, sessions[s]),
                        sessions[s].permissionCount,
                        i,
                        uint8(entries[2 * i + 1]),
                        calls[i].target,
                        calls[i].value,
                        calls[i].callData
                    )
                );
            }
        }
        for (uint256 s = 0; s < sessions.length; ++s) {
            if (used & (1 << s) == 0) revert SessionBatchSessionUnused(s);
        }
    }

    /// @dev Whether two sessions have the same signer verifier and signer.
    function _sameSigner(bytes calldata data, SessionCodec.View memory a, SessionCodec.View memory b) private pure returns (bool) {
        return
            a.signerVerifier == b.signerVerifier &&
            keccak256(data[a.signerOffset:a.signerOffset + a.signerLength]) ==
            keccak256(data[b.signerOffset:b.signerOffset + b.signerLength]);
    }

    /// @dev Asks the session's gas policy whether the userOp may cost what it may cost.
    function _checkGas(
        address account,
        bytes32 digest,
        uint48 declaredTime,
        bytes calldata signature,
        SessionCodec.View memory session,
        PackedUserOperation calldata userOp
    ) private returns (uint256 validationData) {
        bytes calldata config = signature[session.gasConfigOffset:session.gasConfigOffset + session.gasConfigLength];
        return _checkGasPolicy(userOp, account, digest, declaredTime, session.gasPolicy, config);
    }

    /// @dev Asks `gasPolicy` (not zero; this manager: the built-in GasPolicy rules) about the userOp's gas.
    function _checkGasPolicy(
        PackedUserOperation calldata userOp,
        address account,
        bytes32 digest,
        uint48 declaredTime,
        address gasPolicy,
        bytes calldata config
    ) private returns (uint256 validationData) {
        (address paymaster, uint256 gasLimit, uint256 maxFeePerGas) = _gasFacts(userOp);
        // Built in: the GasPolicy rules, evaluated here (counters kept here), without a call to another contract.
        if (gasPolicy == address(this)) {
            return _checkGasRules(account, digest, declaredTime, paymaster, gasLimit, maxFeePerGas, config);
        }
        validationData = _callPolicy(
            gasPolicy,
            abi.encodeCall(ISessionGasPolicy.checkGas, (account, digest, declaredTime, paymaster, gasLimit, maxFeePerGas, config))
        );
        if (uint160(validationData) != 0) revert SessionPolicyResultInvalid(type(uint256).max, gasPolicy);
    }

    /**
     * @dev What a gas policy sees of a userOp: its paymaster (zero: none), the most gas it may use (verification,
     * call, pre-verification and the paymaster's two limits) and its max fee per gas.
     */
    function _gasFacts(PackedUserOperation calldata userOp) private pure returns (address paymaster, uint256 gasLimit, uint256 maxFeePerGas) {
        uint256 accountGasLimits = uint256(userOp.accountGasLimits); // verificationGasLimit ‖ callGasLimit
        gasLimit = (accountGasLimits >> 128) + uint128(accountGasLimits) + userOp.preVerificationGas;
        bytes calldata paymasterAndData = userOp.paymasterAndData;
        if (paymasterAndData.length >= 20) paymaster = address(bytes20(paymasterAndData[0:20]));
        if (paymasterAndData.length >= 52) {
            // paymaster (20) ‖ paymasterVerificationGasLimit (16) ‖ paymasterPostOpGasLimit (16) ‖ data
            gasLimit += uint128(bytes16(paymasterAndData[20:36])) + uint128(bytes16(paymasterAndData[36:52]));
        }
        maxFeePerGas = uint128(uint256(userOp.gasFees)); // maxPriorityFeePerGas ‖ maxFeePerGas
    }

    /// @dev The calldata position where a scanned session's permissions start.
    function _permissions(bytes calldata signature, SessionCodec.View memory session) private pure returns (uint256 start) {
        assembly ("memory-safe") {
            start := signature.offset
        }
        return start + session.permissionsOffset;
    }

    /// @dev Checks every call of the userOp against the permission its index names.
    function _checkCalls(
        address account,
        bytes32 digest,
        uint48 declaredTime,
        bytes calldata signature,
        SessionCodec.View memory session,
        bytes calldata callData,
        bytes calldata indices
    ) private returns (uint256 validationData) {
        (bool batch, bytes calldata executionCalldata) = ExecutionCalls.split(callData);
        if (!batch) {
            if (indices.length != 1) revert SessionCallCountMismatch(1, indices.length);
            (address target, uint256 value, bytes calldata data) = ExecutionCalls.single(executionCalldata);
            return _checkCall(account, digest, declaredTime, _permissions(signature, session), session.permissionCount, 0, uint8(indices[0]), target, value, data);
        }
        Execution[] calldata calls = ExecutionCalls.batchOf(executionCalldata);
        if (calls.length == 0 || indices.length != calls.length) revert SessionCallCountMismatch(calls.length, indices.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            uint256 result = _checkCall(
                account,
                digest,
                declaredTime,
                _permissions(signature, session),
                session.permissionCount,
                i,
                uint8(indices[i]),
                calls[i].target,
                calls[i].value,
                calls[i].callData
            );
            validationData = i == 0 ? result : _intersect(validationData, result);
        }
    }

    function _checkCall(
        address account,
        bytes32 digest,
        uint48 declaredTime,
        uint256 permissions,
        uint256 permissionCount,
        uint256 callIndex,
        uint256 permissionIndex,
        address target,
        uint256 value,
        bytes calldata data
    ) private returns (uint256 validationData) {
        if (permissionIndex >= permissionCount) revert SessionPermissionMissing(callIndex, permissionIndex);
        (address allowedTarget, bytes4 allowedSelector, uint128 valueLimit, address policy, bytes calldata config) = SessionCodec
            .permissionAt(permissions, permissionIndex);
        if (_isForbiddenTarget(account, target)) revert SessionTargetForbidden(callIndex, target);

        bytes4 selector;
        assembly ("memory-safe") {
            selector := mul(and(calldataload(data.offset), shl(224, 0xffffffff)), gt(data.length, 3))
        }
        // Never a module's lifecycle functions, whatever the permission: they trust the account as caller, and
        // would set up a module (this manager's twin among them) for the account before the owner installs it.
        if (selector == IERC7579Module.onInstall.selector || selector == IERC7579Module.onUninstall.selector) {
            revert SessionTargetForbidden(callIndex, target);
        }
        if (allowedTarget == address(0)) {
            // Never a module installed on the account. The manager does not call the target itself to ask what
            // it is: that would run arbitrary code, and touch code and storage not associated with the account
            // (ERC-7562 OP-041, STO rules), in validation. So a fallback handler installed for other selectors
            // than the call's stays reachable: the SDK names such permissions as unsafe (docs/security.md).
            if (_isInstalledModule(account, target, selector)) revert SessionTargetForbidden(callIndex, target);
        } else if (allowedTarget != target) {
            revert SessionCallNotPermitted(callIndex, target, selector);
        }
        // Selector zero permits only empty calldata; ANY_SELECTOR any function if a policy decides; any other
        // permits calls starting with it.
        bool selectorMatches;
        if (allowedSelector == bytes4(0)) selectorMatches = data.length == 0;
        else if (allowedSelector == SessionTypes.ANY_SELECTOR) selectorMatches = data.length >= 4 && policy != address(0);
        else selectorMatches = data.length >= 4 && selector == allowedSelector;
        if (!selectorMatches) revert SessionCallNotPermitted(callIndex, target, selector);
        if (value > valueLimit) revert SessionValueAboveLimit(callIndex, value, valueLimit);
        return _checkCallPolicy(account, digest, permissionIndex, declaredTime, callIndex, target, value, data, policy, config);
    }

    /// @dev Asks the permission's policy (none: nothing to ask; this manager: the built-in CallPolicy rules) about call `callIndex`.
    function _checkCallPolicy(
        address account,
        bytes32 digest,
        uint256 permissionIndex,
        uint48 declaredTime,
        uint256 callIndex,
        address target,
        uint256 value,
        bytes calldata data,
        address policy,
        bytes calldata config
    ) private returns (uint256 validationData) {
        if (policy == address(0)) return 0;
        if (policy == address(this)) {
            // Built in: the CallPolicy rules, read in place from this call's calldata.
            uint256 dataStart;
            uint256 configStart;
            assembly ("memory-safe") {
                dataStart := data.offset
                configStart := config.offset
            }
            return _checkCallRules(account, digest, permissionIndex, declaredTime, value, dataStart, data.length, configStart, configStart + config.length);
        }
        validationData = _callPolicy(
            policy,
            abi.encodeCall(ISessionPolicy.checkCall, (account, digest, permissionIndex, declaredTime, target, value, data, config))
        );
        if (uint160(validationData) != 0) revert SessionPolicyResultInvalid(callIndex, policy);
    }

    /**
     * @dev Calls a policy module with `payload`; bubbles its revert; returns its uint256 answer. Written in
     * assembly so that GAS is immediately followed by CALL (ERC-7562 OP-012): the compiler's own call
     * sequence may schedule other instructions in between.
     */
    function _callPolicy(address policy, bytes memory payload) private returns (uint256 result) {
        assembly ("memory-safe") {
            let ok := call(gas(), policy, 0, add(payload, 0x20), mload(payload), 0x00, 0x20)
            if iszero(ok) {
                let revertData := mload(0x40)
                returndatacopy(revertData, 0x00, returndatasize())
                revert(revertData, returndatasize())
            }
            // A policy without code (or a short answer) refuses.
            if lt(returndatasize(), 0x20) {
                revert(0x00, 0x00)
            }
            result := mload(0x00)
        }
    }

    /**
     * @dev True when `target` may be installed on `account` as a module, asked through ERC-7579
     * `isModuleInstalled` with the contexts the supported accounts read (docs/security.md lists the answers):
     * validators and executors (empty context); fallback handlers for the call's selector (`abi.encode(selector)`,
     * 32 bytes: Safe7579 and MSA revert on 4); hooks, as Safe7579 asks them (`abi.encode(uint8 0, bytes4 0)` for
     * its global hook, `abi.encode(uint8 1, s)` for a hook of the call's selector and of the account's `execute`
     * and `executeFromExecutor`; Safe7579 reverts on an empty context,
     * the others ignore it); then the vendor types: Kernel's policies (5) and signers (6), Nexus's pre-validation
     * hooks (8, 9). The SDK asks the same list (INSTALLED_MODULE_QUESTIONS). Fail closed: a revert, or any answer
     * but a 32-byte false, is "installed". Then, on a Safe, whether the target is one of the Safe's own modules
     * ({_isSafeModule}).
     */
    function _isInstalledModule(address account, address target, bytes4 selector) private view returns (bool installed) {
        assembly ("memory-safe") {
            // isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext), written past
            // the free memory pointer (scratch: nothing is allocated).
            let p := mload(0x40)
            mstore(p, shl(224, 0x112d3a7d))
            mstore(add(p, 0x24), target)
            mstore(add(p, 0x44), 0x60)
            // One question per 2 bytes, the first in the lowest: module type ‖ context kind, where the kind is
            // 0 empty, 1 abi.encode(selector), 2 abi.encode(uint8 0, bytes4 0), and abi.encode(uint8 1, s) with
            // s the call's selector (3), the account's execute (4) or executeFromExecutor (5): a Safe7579 hook
            // is kept per account function, and those two are the ones a session's call runs through.
            // (1, 0) (2, 0) (3, 1) (4, 2) (4, 3) (4, 4) (4, 5) (5, 0) (6, 0) (8, 0) (9, 0).
            for { let q := 0x09000800060005000405040404030402030102000100 } q { q := shr(16, q) } {
                mstore(add(p, 0x04), shr(8, and(q, 0xffff)))
                let kind := and(q, 0xff)
                mstore(add(p, 0x64), mul(0x20, add(gt(kind, 0), gt(kind, 1)))) // context length: 0, 32, 64 from kind 2
                mstore(add(p, 0x84), selector)
                if gt(kind, 1) {
                    mstore(add(p, 0x84), gt(kind, 2)) // Safe7579's hook type: 0 global, 1 per selector
                    let hookSelector := mul(selector, eq(kind, 3))
                    if eq(kind, 4) { hookSelector := shl(224, 0xe9ae5c53) } // execute(bytes32,bytes)
                    if eq(kind, 5) { hookSelector := shl(224, 0xd691c964) } // executeFromExecutor(bytes32,bytes)
                    mstore(add(p, 0xa4), hookSelector)
                }
                // Anything but a clean 32-byte false counts as installed. GAS is followed by STATICCALL (OP-012).
                let ok := staticcall(gas(), account, p, add(0x84, mload(add(p, 0x64))), 0x00, 0x20)
                if or(or(iszero(ok), iszero(eq(returndatasize(), 0x20))), iszero(iszero(mload(0x00)))) {
                    installed := 1
                    break
                }
            }
        }
        if (!installed) installed = _isSafeModule(account, target);
    }

    /**
     * @dev Whether `target` is one of a Safe's own modules (Safe's ModuleManager `isModuleEnabled(address)`):
     * Safe7579's adapter is one, and it takes the account's calls as the EntryPoint's or its own when the last
     * 20 calldata bytes say so (ERC-2771), so reaching it would hand over the account. Only a Safe answers;
     * other accounts have no such function and revert, which here means "not a Safe module". Written in the
     * scratch space (0x00–0x3f); GAS is followed by STATICCALL (OP-012).
     */
    function _isSafeModule(address account, address target) private view returns (bool enabled) {
        assembly ("memory-safe") {
            mstore(0x00, shl(224, 0x2d9ad53d))
            mstore(0x04, target)
            let ok := staticcall(gas(), account, 0x00, 0x24, 0x00, 0x20)
            enabled := and(ok, and(eq(returndatasize(), 0x20), iszero(iszero(mload(0x00)))))
        }
    }

    /// @dev Reverts unless `account` has installed this manager.
    function _requireInstalled(address account) private view {
        if (!_accounts[account].installed) revert SessionManagerNotInstalled(account);
    }

    function _isSignedBySession(
        bytes calldata data,
        SessionCodec.View memory session,
        bytes32 hash,
        bytes calldata signature
    ) private view returns (bool) {
        bytes calldata signer = data[session.signerOffset:session.signerOffset + session.signerLength];
        if (session.signerVerifier == address(0)) {
            return signer.length == 20 && _isSignedByKey(address(bytes20(signer)), hash, signature);
        }
        try ISessionSignerVerifier(session.signerVerifier).isValidSessionSignature(signer, hash, signature) returns (
            bool valid
        ) {
            return valid;
        } catch {
            return false;
        }
    }

    /**
     * @dev ECDSA: whether `signature` (65 bytes, `r ‖ s ‖ v`) over `hash` recovers to `signer`. Accepts what
     * OpenZeppelin's `ECDSA.tryRecover` accepts: `s` in the lower half of the curve order (no malleable twin),
     * `v` 27 or 28 (the precompile answers nothing otherwise), a recovered address that is not zero.
     */
    function _isSignedByKey(address signer, bytes32 hash, bytes calldata signature) private view returns (bool valid) {
        assembly ("memory-safe") {
            let s := calldataload(add(signature.offset, 0x20))
            if and(eq(signature.length, 65), iszero(gt(s, 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0))) {
                // hash ‖ v ‖ r ‖ s past the free memory pointer (scratch: nothing is allocated).
                let m := mload(0x40)
                mstore(m, hash)
                mstore(add(m, 0x20), byte(0, calldataload(add(signature.offset, 0x40))))
                mstore(add(m, 0x40), calldataload(signature.offset))
                mstore(add(m, 0x60), s)
                mstore(0x00, 0)
                let ok := staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20)
                let recovered := mload(0x00)
                valid := and(and(ok, eq(returndatasize(), 0x20)), and(eq(recovered, signer), iszero(iszero(recovered))))
            }
        }
    }

    function _isValidAccountSignature(address account, bytes32 hash, bytes calldata signature) private view returns (bool) {
        try IERC1271(account).isValidSignature(hash, signature) returns (bytes4 magic) {
            return magic == IERC1271.isValidSignature.selector;
        } catch {
            return false;
        }
    }

    /// @dev The approvals' EIP-712 domain separator on the current chain, at the current address.
    function _domainSeparatorNow() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, DOMAIN_NAME_HASH, DOMAIN_VERSION_HASH, block.chainid, address(this)));
    }

    /// @dev The approval commits to the session's EIP-712 struct hash (its readable form), not to its digest.
    function _approvalHash(address account, uint64 accountEpoch, bytes32 sessionTypedHash_) private view returns (bytes32) {
        bytes32 domainSeparator = block.chainid == _deployedChainId && address(this) == _deployedAt
            ? _deployedDomainSeparator
            : _domainSeparatorNow();
        return domainSeparator.toTypedDataHash(
            keccak256(abi.encode(SessionTypes.SESSION_APPROVAL_TYPEHASH, account, accountEpoch, sessionTypedHash_))
        );
    }

    /**
     * @dev The root that `proof` (32-byte siblings, bounds checked by the caller) leads to from `leaf`: each
     * inner node is keccak256 of the sorted pair (OpenZeppelin's `Hashes.commutativeKeccak256`), hashed in
     * the scratch space, one CALLDATALOAD per sibling.
     */
    function _proofRoot(bytes32 leaf, bytes calldata proof) private pure returns (bytes32 node) {
        assembly ("memory-safe") {
            node := leaf
            for { let q := proof.offset } lt(q, add(proof.offset, proof.length)) { q := add(q, 0x20) } {
                let sibling := calldataload(q)
                // The greater of the two at 0x20, the other at 0x00: node's place is 0x20 when it is greater.
                let at := shl(5, gt(node, sibling))
                mstore(at, node)
                mstore(xor(at, 0x20), sibling)
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /// @dev The Merkle leaf of a session: keccak256 of its 32-byte digest (a 32-byte preimage: never an inner node).
    function _leaf(bytes32 digest) private pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            mstore(0x00, digest)
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// @dev Sets the root, keeping the flags; a root must end in a zero byte (docs/sessions.md §3).
    function _setRoot(address account, bytes32 root) private {
        if (uint256(root) & ~SessionTypes.ROOT_BITS != 0) revert SessionRootMalformed(root);
        AccountSessions storage state = _accounts[account];
        state.rootWord = root | (state.rootWord & ~bytes32(SessionTypes.ROOT_BITS));
        emit SessionRootSet(account, root);
    }

    function _revokeAll(address account) private {
        AccountSessions storage state = _accounts[account];
        state.rootWord &= ~bytes32(SessionTypes.ROOT_BITS); // the root cleared, the flags kept
        uint64 next = state.epoch + 1;
        state.epoch = next;
        emit AllSessionsRevoked(account, next);
    }

    /// @dev Counters of built-in rules are this manager's own (PolicyLimits keys them by manager).
    function _manager() internal view override returns (address) {
        return address(this);
    }

    function _need(bytes calldata data, uint256 end) private pure {
        if (data.length < end) revert SessionSignatureMalformed(data.length);
    }

    /// @dev ERC-4337 validation data: aggregator/sig-failure (160 bits) ‖ validUntil (48) ‖ validAfter (48).
    function _packValidationData(bool sigFailed, uint48 validUntil, uint48 validAfter) private pure returns (uint256) {
        return (sigFailed ? 1 : 0) | (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }

    /**
     * @dev Both must hold: failure if either failed, the later validAfter, the earlier validUntil (0 = none).
     * Each operand's low 160 bits must be 0 or 1 (a policy's other answers are refused before this), so that an
     * operand returned as it is, when the other is 0, never carries an aggregator address to the EntryPoint.
     */
    function _intersect(uint256 a, uint256 b) private pure returns (uint256 r) {
        // Nothing to intersect with (no failure, no window): the other one is the answer as it is.
        if (a == 0) return b;
        if (b == 0) return a;
        assembly ("memory-safe") {
            let failed := iszero(iszero(or(shl(96, a), shl(96, b)))) // either one's low 160 bits
            let max48 := 0xffffffffffff
            let untilA := and(shr(160, a), max48)
            let untilB := and(shr(160, b), max48)
            untilA := or(untilA, mul(iszero(untilA), max48)) // 0 is "no expiry": the latest time
            untilB := or(untilB, mul(iszero(untilB), max48))
            let validUntil := untilA
            if lt(untilB, untilA) { validUntil := untilB }
            validUntil := mul(validUntil, iszero(eq(validUntil, max48)))
            let afterA := shr(208, a)
            let afterB := shr(208, b)
            let validAfter := afterA
            if gt(afterB, afterA) { validAfter := afterB }
            r := or(failed, or(shl(160, validUntil), shl(208, validAfter)))
        }
    }
}
