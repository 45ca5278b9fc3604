// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Permission, Session, SessionTypes} from "./SessionTypes.sol";

/**
 * @title SessionCodec
 * @notice The compact (packed) encoding of a {Session} carried in userOp signatures, and its digest.
 *
 * Encoding, big-endian, no padding:
 * `validAfter (6) ‖ validUntil (6) ‖ salt (32) ‖ signerVerifier (20) ‖ signerLength (2) ‖ signer ‖
 *  permissionCount (1) ‖ permissionCount × [target (20) ‖ selector (4) ‖ valueLimit (16) ‖ policy (20) ‖
 *  configLength (2) ‖ policyConfig] ‖ gasPolicy (20) ‖ gasConfigLength (2) ‖ gasPolicyConfig`
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

    /**
     * @notice Reads the layout of the session at `start` of `data`, checking every length against the data.
     * On every userOp's path: fields are read with one CALLDATALOAD each at absolute positions (no slicing),
     * each length checked against the data's end before anything after it is read.
     */
    function scan(bytes calldata data, uint256 start) internal pure returns (View memory v) {
        unchecked {
            uint256 base;
            assembly ("memory-safe") {
                base := data.offset
            }
            uint256 p = start;
            _need(data, p + 66);
            v.start = start;
            uint256 window = _load(base + p); // validAfter (6) ‖ validUntil (6) ‖ …
            v.validAfter = uint48(window >> 208);
            v.validUntil = uint48(window >> 160);
            uint256 signerHead = _load(base + p + 44); // signerVerifier (20) ‖ signerLength (2) ‖ …
            v.signerVerifier = address(uint160(signerHead >> 96));
            v.signerLength = uint16(signerHead >> 80);
            v.signerOffset = p + 66;
            p = v.signerOffset + v.signerLength;
            _need(data, p + 1);
            v.permissionCount = _load(base + p) >> 248;
            v.permissionsOffset = p + 1;
            p = v.permissionsOffset;
            for (uint256 i = 0; i < v.permissionCount; ++i) {
                _need(data, p + 62);
                p += 62 + (_load(base + p + 60) >> 240);
            }
            _need(data, p + 22);
            uint256 gasHead = _load(base + p); // gasPolicy (20) ‖ gasConfigLength (2) ‖ …
            v.gasPolicy = address(uint160(gasHead >> 96));
            v.gasConfigLength = uint16(gasHead >> 80);
            v.gasConfigOffset = p + 22;
            p = v.gasConfigOffset + v.gasConfigLength;
            _need(data, p);
            v.end = p;
        }
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

    /// @notice Permission `index` of a scanned session (bounds were checked by {scan}).
    function permissionAt(
        bytes calldata data,
        View memory v,
        uint256 index
    ) internal pure returns (address target, bytes4 selector, uint128 valueLimit, address policy, bytes calldata config) {
        unchecked {
            uint256 base;
            assembly ("memory-safe") {
                base := data.offset
            }
            uint256 p = base + v.permissionsOffset;
            for (uint256 i = 0; i < index; ++i) p += 62 + (_load(p + 60) >> 240);
            uint256 head = _load(p); // target (20) ‖ selector (4) ‖ valueLimit's first 8 bytes
            target = address(uint160(head >> 96));
            selector = bytes4(bytes32(head << 160));
            valueLimit = uint128(_load(p + 24) >> 128);
            uint256 policyHead = _load(p + 40); // policy (20) ‖ configLength (2) ‖ …
            policy = address(uint160(policyHead >> 96));
            uint256 configLength = uint16(policyHead >> 80);
            assembly ("memory-safe") {
                config.offset := add(p, 62)
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

    function _need(bytes calldata data, uint256 end) private pure {
        if (data.length < end) revert SessionEncodingTooShort(data.length, end);
    }

    /// @notice Decodes the session that starts at `offset` of `data`; returns it and where it ends.
    function decode(bytes calldata data, uint256 offset) internal pure returns (Session memory s, uint256 end) {
        unchecked {
            View memory v = scan(data, offset);
            s.validAfter = v.validAfter;
            s.validUntil = v.validUntil;
            s.salt = bytes32(_load(_base(data) + offset + 12));
            s.signerVerifier = v.signerVerifier;
            s.signer = data[v.signerOffset:v.signerOffset + v.signerLength];
            uint256 count = v.permissionCount;
            s.permissions = new Permission[](count);
            for (uint256 i = 0; i < count; ++i) {
                Permission memory permission = s.permissions[i];
                (permission.target, permission.selector, permission.valueLimit, permission.policy, permission.policyConfig) =
                    permissionAt(data, v, i);
            }
            s.gasPolicy = v.gasPolicy;
            s.gasPolicyConfig = data[v.gasConfigOffset:v.gasConfigOffset + v.gasConfigLength];
            end = v.end;
        }
    }

    /// @dev Where `data` starts in the calldata.
    function _base(bytes calldata data) private pure returns (uint256 base) {
        assembly ("memory-safe") {
            base := data.offset
        }
    }

    /// @notice `hashStruct(Session)` under EIP-712: what an owner approval of the session commits to.
    function typedHash(Session memory s) internal pure returns (bytes32) {
        uint256 count = s.permissions.length;
        bytes32[] memory permissionHashes = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            Permission memory p = s.permissions[i];
            permissionHashes[i] = keccak256(
                abi.encode(
                    SessionTypes.PERMISSION_TYPEHASH,
                    p.target,
                    p.selector,
                    p.valueLimit,
                    p.policy,
                    keccak256(p.policyConfig)
                )
            );
        }
        return
            keccak256(
                abi.encode(
                    SessionTypes.SESSION_TYPEHASH,
                    s.signerVerifier,
                    keccak256(s.signer),
                    s.validAfter,
                    s.validUntil,
                    keccak256(abi.encodePacked(permissionHashes)),
                    s.gasPolicy,
                    keccak256(s.gasPolicyConfig),
                    s.salt
                )
            );
    }
}
