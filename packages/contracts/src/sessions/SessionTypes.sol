// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/**
 * @dev One thing a session may call: `target` (or any target when zero), the function `selector` (or, when
 * zero, a call with empty calldata: a plain transfer; or, when `0xffffffff`, any function, which needs a
 * policy that decides), at most `valueLimit` wei per call, and, when `policy` is not zero, whatever that
 * {ISessionPolicy} module accepts with `policyConfig`.
 */
struct Permission {
    address target;
    bytes4 selector;
    uint128 valueLimit;
    address policy;
    bytes policyConfig;
}

/**
 * @dev A session. `signerVerifier` zero means the built-in ECDSA check and `signer` is the 20-byte key address;
 * otherwise `signerVerifier` is an {ISessionSignerVerifier} and `signer` its key data (e.g. a group public key).
 * The window is inclusive, in seconds; `validUntil` zero means no expiry (ERC-4337's convention).
 * `gasPolicy`, when not zero, is an {ISessionGasPolicy} that bounds what each userOp may cost the account.
 * The EIP-712 type an owner approval commits to (SESSION_TYPE): the manager reads sessions from their compact
 * encoding ({SessionCodec}) and never builds this struct; it is the type's definition, kept beside its string.
 */
struct Session {
    address signerVerifier;
    bytes signer;
    uint48 validAfter;
    uint48 validUntil;
    Permission[] permissions;
    address gasPolicy;
    bytes gasPolicyConfig;
    bytes32 salt;
}

/// @dev What a session's record holds for one account. `epoch` must equal the account's epoch to be valid.
struct SessionRecord {
    uint64 epoch;
    uint8 status;
}

/**
 * @dev Per-account state of the manager:
 * - `rootWord`: the Merkle root of granted sessions in its first 31 bytes (a session root's last byte is zero:
 *   docs/sessions.md §3), and in its last byte flags: bit 0 set once the account has revoked sessions one by
 *   one (`revokeSessions`). A root-mode use reads this one slot, and the session's revocation record only when
 *   bit 0 is set (a revoked digest stays revoked under any later root, so the bit is never cleared).
 * - the revoke-all counter, and whether the account has installed the manager (set by `onInstall`, cleared by
 *   `onUninstall`). `epoch` and `installed` share a slot, so a check that reads the epoch reads the flag for free.
 */
struct AccountSessions {
    bytes32 rootWord;
    uint64 epoch;
    bool installed;
}

library SessionTypes {
    /// @dev EIP-712 type strings. Referenced types follow the primary type in alphabetical order.
    bytes internal constant PERMISSION_TYPE =
        "Permission(address target,bytes4 selector,uint128 valueLimit,address policy,bytes policyConfig)";
    bytes internal constant SESSION_TYPE =
        "Session(address signerVerifier,bytes signer,uint48 validAfter,uint48 validUntil,Permission[] permissions,address gasPolicy,bytes gasPolicyConfig,bytes32 salt)";
    /// @dev Named so that it sorts before the types it references: ERC-7739's nested typed data (as wallets and
    /// viem produce it) is only consistent when the contents type comes first in its own encodeType.
    bytes internal constant SESSION_APPROVAL_TYPE = "ApproveSession(address account,uint64 epoch,Session session)";

    bytes32 internal constant PERMISSION_TYPEHASH = keccak256(PERMISSION_TYPE);
    bytes32 internal constant SESSION_TYPEHASH = keccak256(abi.encodePacked(SESSION_TYPE, PERMISSION_TYPE));
    bytes32 internal constant SESSION_APPROVAL_TYPEHASH =
        keccak256(abi.encodePacked(SESSION_APPROVAL_TYPE, PERMISSION_TYPE, SESSION_TYPE));

    /// @dev Signature modes: the first byte of a session userOp's signature.
    uint8 internal constant MODE_USE_ROOT = 0x00;
    uint8 internal constant MODE_ENABLE_AND_USE = 0x01;
    uint8 internal constant MODE_USE_RECORDED = 0x02;
    /// @dev A batch whose calls use different sessions of one signer, each session granted in one of the three
    /// ways above (docs/sessions.md §6). Modes 0x81 to 0xff stay reserved.
    uint8 internal constant MODE_BATCH = 0x80;

    /// @dev `Permission.selector` allowing any function (with at least 4 bytes of calldata); needs a policy.
    bytes4 internal constant ANY_SELECTOR = 0xffffffff;

    /// @dev Record statuses.
    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_RECORDED = 1;
    uint8 internal constant STATUS_REVOKED = 2;

    /// @dev `AccountSessions.rootWord`: the root's bits, and the flag "has revoked sessions one by one".
    uint256 internal constant ROOT_BITS = ~uint256(0xff);
    uint256 internal constant REVOKED_ONE_BY_ONE = 0x01;
}
