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

    /// @notice Reads the layout of the session at `start` of `data`, checking every length against the data.
    function scan(bytes calldata data, uint256 start) internal pure returns (View memory v) {
        unchecked {
            uint256 p = start;
            _need(data, p + 66);
            v.start = start;
            v.validAfter = uint48(bytes6(data[p:p + 6]));
            v.validUntil = uint48(bytes6(data[p + 6:p + 12]));
            v.signerVerifier = address(bytes20(data[p + 44:p + 64]));
            v.signerLength = uint16(bytes2(data[p + 64:p + 66]));
            v.signerOffset = p + 66;
            p = v.signerOffset + v.signerLength;
            _need(data, p + 1);
            v.permissionCount = uint8(data[p]);
            v.permissionsOffset = p + 1;
            p = v.permissionsOffset;
            for (uint256 i = 0; i < v.permissionCount; ++i) {
                _need(data, p + 62);
                p += 62 + uint256(uint16(bytes2(data[p + 60:p + 62])));
            }
            _need(data, p + 22);
            v.gasPolicy = address(bytes20(data[p:p + 20]));
            v.gasConfigLength = uint16(bytes2(data[p + 20:p + 22]));
            v.gasConfigOffset = p + 22;
            p = v.gasConfigOffset + v.gasConfigLength;
            _need(data, p);
            v.end = p;
        }
    }

    /// @notice The session's digest: keccak256 of its encoding.
    function digestOf(bytes calldata data, View memory v) internal pure returns (bytes32) {
        return keccak256(data[v.start:v.end]);
    }

    /// @notice Permission `index` of a scanned session (bounds were checked by {scan}).
    function permissionAt(
        bytes calldata data,
        View memory v,
        uint256 index
    ) internal pure returns (address target, bytes4 selector, uint128 valueLimit, address policy, bytes calldata config) {
        unchecked {
            uint256 p = v.permissionsOffset;
            for (uint256 i = 0; i < index; ++i) p += 62 + uint256(uint16(bytes2(data[p + 60:p + 62])));
            target = address(bytes20(data[p:p + 20]));
            selector = bytes4(data[p + 20:p + 24]);
            valueLimit = uint128(bytes16(data[p + 24:p + 40]));
            policy = address(bytes20(data[p + 40:p + 60]));
            uint256 configLength = uint16(bytes2(data[p + 60:p + 62]));
            config = data[p + 62:p + 62 + configLength];
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
            uint256 p = offset;
            _need(data, p + 66);
            s.validAfter = uint48(bytes6(data[p:p + 6]));
            s.validUntil = uint48(bytes6(data[p + 6:p + 12]));
            s.salt = bytes32(data[p + 12:p + 44]);
            s.signerVerifier = address(bytes20(data[p + 44:p + 64]));
            uint256 signerLength = uint16(bytes2(data[p + 64:p + 66]));
            p += 66;
            _need(data, p + signerLength + 1);
            s.signer = data[p:p + signerLength];
            p += signerLength;
            uint256 count = uint8(data[p]);
            p += 1;
            s.permissions = new Permission[](count);
            for (uint256 i = 0; i < count; ++i) {
                _need(data, p + 62);
                Permission memory permission = s.permissions[i];
                permission.target = address(bytes20(data[p:p + 20]));
                permission.selector = bytes4(data[p + 20:p + 24]);
                permission.valueLimit = uint128(bytes16(data[p + 24:p + 40]));
                permission.policy = address(bytes20(data[p + 40:p + 60]));
                uint256 configLength = uint16(bytes2(data[p + 60:p + 62]));
                p += 62;
                _need(data, p + configLength);
                permission.policyConfig = data[p:p + configLength];
                p += configLength;
            }
            _need(data, p + 22);
            s.gasPolicy = address(bytes20(data[p:p + 20]));
            uint256 gasConfigLength = uint16(bytes2(data[p + 20:p + 22]));
            p += 22;
            _need(data, p + gasConfigLength);
            s.gasPolicyConfig = data[p:p + gasConfigLength];
            p += gasConfigLength;
            end = p;
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
