// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SessionTypes} from "./SessionTypes.sol";

/**
 * @title SessionCodec
 * @notice The compact (packed) encoding of a {Session} carried in userOp signatures, and its digest.
 *
 * Encoding, big-endian, no padding (docs/sessions.md §2):
 * `head (1) ‖ validAfter (6) ‖ validUntil (6) ‖ salt (saltLength) ‖ signer part ‖ permissionCount (1) ‖
 *  permissionCount × [target (20) ‖ selector (4) ‖ shape (1) ‖ valueLimit (valueLength) ‖ policy part] ‖ gas part`
 * - `head`: bit 0 a signer verifier, bit 1 a gas policy, bits 2–7 `saltLength` (0–32);
 * - salt: its low `saltLength` bytes (the rest of the bytes32 is zero);
 * - signer part: an ECDSA key's address (20), or with bit 0 `signerVerifier (20) ‖ signerLength (2) ‖ signer`;
 * - `shape`: bits 0–4 `valueLength` (0–16), bit 5 a policy, bits 6–7 zero; the value limit in `valueLength` bytes;
 * - policy part (bit 5 only): `policy (20) ‖ configLength (2) ‖ policyConfig`;
 * - gas part (head bit 1 only): `gasPolicy (20) ‖ gasConfigLength (2) ‖ gasPolicyConfig`.
 * Each session has exactly one encoding: numbers in their fewest bytes (no leading zero byte), a part present
 * only when it says something (a verifier not zero; a policy or config not both empty), unused bits zero.
 * Anything else is refused ({SessionEncodingNotCanonical}), so that no session has two digests.
 *
 * Two hashes of a session:
 * - its **digest**, `keccak256` of this encoding: the one identifier of the session everywhere (the Merkle
 *   leaf's preimage, the key of its record and of its revocation, later the signer nodes' check). The
 *   encoding is self-delimiting and has exactly one form per session, so the digest names one session.
 *   It is read straight from calldata on every use ({scan}, {permissionAt}), with no decoding.
 * - its EIP-712 struct hash (`hashStruct(Session)`, {typedHash}): what an owner approval commits to, so that
 *   a wallet shows the session's contents. Computed only on the approval's one use.
 */
library SessionCodec {
    /// @dev Where the parts of an encoded session are, as offsets into the signature.
    struct View {
        uint256 start;
        uint256 end;
        uint48 validAfter;
        uint48 validUntil;
        address signerVerifier;
        uint256 signerOffset;
        uint256 signerLength;
        uint256 permissionsOffset;
        uint256 permissionCount;
        address gasPolicy;
        uint256 gasConfigOffset;
        uint256 gasConfigLength;
    }

    uint256 private constant HEAD_VERIFIER = 0x01;
    uint256 private constant HEAD_GAS_POLICY = 0x02;
    uint256 private constant SHAPE_POLICY = 0x20;

    /**
     * @notice Reads the layout of the session at `start` of `data`, checking the encoding's canonical form and
     * that it ends inside the data. On every userOp's path, so it reads each field with one CALLDATALOAD at its
     * absolute position and checks the bounds once, at the end: positions only grow, by amounts far below
     * 2^64, so an encoding whose end lies inside the data read nothing outside it. (Before that check a read
     * may fall past the data; what it finds is never used unless the end check passes.)
     */
    function scan(bytes calldata data, uint256 start) internal pure returns (View memory v) {
        unchecked {
            uint256 base = _base(data);
            uint256 p = start;
            v.start = start;
            uint256 headWord = _load(base + p); // head (1) ‖ validAfter (6) ‖ validUntil (6) ‖ salt …
            uint256 head = headWord >> 248;
            uint256 saltLength = head >> 2;
            v.validAfter = uint48(headWord >> 200);
            v.validUntil = uint48(headWord >> 152);
            p += 13;
            if (saltLength > 32) _refuse(data, start);
            if (saltLength != 0 && _load(base + p) >> 248 == 0) _refuse(data, p);
            p += saltLength;
            if (head & HEAD_VERIFIER == 0) {
                v.signerOffset = p;
                v.signerLength = 20;
            } else {
                uint256 signerHead = _load(base + p); // signerVerifier (20) ‖ signerLength (2) ‖ …
                v.signerVerifier = address(uint160(signerHead >> 96));
                if (v.signerVerifier == address(0)) _refuse(data, p);
                v.signerLength = uint16(signerHead >> 80);
                v.signerOffset = p + 22;
            }
            p = v.signerOffset + v.signerLength;
            uint256 count = _load(base + p) >> 248;
            v.permissionCount = count;
            p += 1;
            v.permissionsOffset = p;
            for (uint256 i = 0; i < count; ++i) {
                // target (20) ‖ selector (4) ‖ shape (1) ‖ valueLimit (valueLength) ‖ policy part
                uint256 shape = _load(base + p + 24) >> 248;
                uint256 valueLength = shape & 0x1f;
                if (shape & 0xc0 != 0 || valueLength > 16) _refuse(data, p + 24);
                p += 25;
                if (valueLength != 0 && _load(base + p) >> 248 == 0) _refuse(data, p);
                p += valueLength;
                if (shape & SHAPE_POLICY != 0) {
                    uint256 policyHead = _load(base + p); // policy (20) ‖ configLength (2) ‖ …
                    uint256 configLength = uint16(policyHead >> 80);
                    if (policyHead >> 96 == 0 && configLength == 0) _refuse(data, p);
                    p += 22 + configLength;
                }
            }
            if (head & HEAD_GAS_POLICY != 0) {
                uint256 gasHead = _load(base + p); // gasPolicy (20) ‖ gasConfigLength (2) ‖ …
                v.gasPolicy = address(uint160(gasHead >> 96));
                v.gasConfigLength = uint16(gasHead >> 80);
                if (v.gasPolicy == address(0) && v.gasConfigLength == 0) _refuse(data, p);
                p += 22;
            }
            v.gasConfigOffset = p;
            p += v.gasConfigLength;
            _need(data, p);
            v.end = p;
        }
    }

    /**
     * @dev The field at `offset` breaks the canonical form; if it lies past the data, the encoding was cut
     * short instead (what was read there is not the encoding's).
     */
    function _refuse(bytes calldata data, uint256 offset) private pure {
        _need(data, offset + 1);
        revert SessionEncodingNotCanonical(offset);
    }

    /// @notice The session's digest: keccak256 of its encoding.
    function digestOf(bytes calldata data, View memory v) internal pure returns (bytes32 digest) {
        uint256 from = v.start;
        uint256 length = v.end - from;
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, add(data.offset, from), length)
            digest := keccak256(m, length)
        }
    }

    /// @notice Permission `index` of a scanned session (bounds and form were checked by {scan}).
    function permissionAt(
        bytes calldata data,
        View memory v,
        uint256 index
    ) internal pure returns (address target, bytes4 selector, uint128 valueLimit, address policy, bytes calldata config) {
        return permissionAt(_base(data) + v.permissionsOffset, index);
    }

    /// @notice Permission `index` of a scanned session whose permissions start at calldata position `permissions`.
    function permissionAt(
        uint256 permissions,
        uint256 index
    ) internal pure returns (address target, bytes4 selector, uint128 valueLimit, address policy, bytes calldata config) {
        unchecked {
            uint256 p = permissions;
            for (uint256 i = 0; i < index; ++i) {
                uint256 shape = _load(p + 24) >> 248;
                p += 25 + (shape & 0x1f);
                if (shape & SHAPE_POLICY != 0) p += 22 + (_load(p + 20) >> 240);
            }
            uint256 head = _load(p); // target (20) ‖ selector (4) ‖ shape (1) ‖ …
            target = address(uint160(head >> 96));
            selector = bytes4(bytes32(head << 160));
            uint256 shape_ = (head >> 56) & 0xff;
            uint256 valueLength = shape_ & 0x1f;
            p += 25;
            // valueLength ≤ 16: shifting by 256 − 8·0 = 256 gives 0 in the EVM.
            valueLimit = uint128(_load(p) >> (256 - 8 * valueLength));
            p += valueLength;
            uint256 configOffset = p;
            uint256 configLength;
            if (shape_ & SHAPE_POLICY != 0) {
                uint256 policyHead = _load(p);
                policy = address(uint160(policyHead >> 96));
                configLength = uint16(policyHead >> 80);
                configOffset = p + 22;
            }
            assembly ("memory-safe") {
                config.offset := configOffset
                config.length := configLength
            }
        }
    }

    /// @dev The 32 bytes at absolute calldata position `p` (zeros past the end of the calldata).
    function _load(uint256 p) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(p)
        }
    }

    /// @notice The encoded session ends before `needed` bytes (at `offset` of the signature).
    error SessionEncodingTooShort(uint256 offset, uint256 needed);
    /// @notice The field at `offset` is not in the encoding's one form (a leading zero byte, an empty part, a bit set that must not be).
    error SessionEncodingNotCanonical(uint256 offset);

    function _need(bytes calldata data, uint256 end) private pure {
        if (data.length < end) revert SessionEncodingTooShort(data.length, end);
    }

    /**
     * @notice `hashStruct(Session)` under EIP-712, read from the scanned encoding in place: what an owner
     * approval of the session commits to. Only on an approval's one use (and in views), so written for
     * clarity: one permission after another, each field as {permissionAt} reads it.
     */
    function typedHashOf(bytes calldata data, View memory v) internal pure returns (bytes32) {
        uint256 count = v.permissionCount;
        bytes32[] memory permissionHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            (address target, bytes4 selector, uint128 valueLimit, address policy, bytes calldata config) = permissionAt(data, v, i);
            permissionHashes[i] = keccak256(
                abi.encode(SessionTypes.PERMISSION_TYPEHASH, target, selector, valueLimit, policy, keccak256(config))
            );
        }
        return
            keccak256(
                abi.encode(
                    SessionTypes.SESSION_TYPEHASH,
                    v.signerVerifier,
                    keccak256(data[v.signerOffset:v.signerOffset + v.signerLength]),
                    v.validAfter,
                    v.validUntil,
                    keccak256(abi.encodePacked(permissionHashes)),
                    v.gasPolicy,
                    keccak256(data[v.gasConfigOffset:v.gasConfigOffset + v.gasConfigLength]),
                    saltOf(data, v)
                )
            );
    }

    /// @notice The session's salt as the bytes32 it is: its `saltLength` bytes, zeros before them.
    function saltOf(bytes calldata data, View memory v) internal pure returns (bytes32) {
        unchecked {
            uint256 head = _base(data) + v.start;
            uint256 saltLength = _load(head) >> 250; // head bits 2–7
            // A shift by 256 gives 0: no salt.
            return bytes32(_load(head + 13) >> (256 - 8 * saltLength));
        }
    }

    /// @dev Where `data` starts in the calldata.
    function _base(bytes calldata data) private pure returns (uint256 base) {
        assembly ("memory-safe") {
            base := data.offset
        }
    }
}
