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
 *  configLength (2) ‖ policyConfig]`
 *
 * The digest is the EIP-712 struct hash of the session (`hashStruct(Session)`), so the same value is the
 * Merkle leaf's preimage, the key of a recorded session and what an owner approval commits to.
 */
library SessionCodec {
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
            end = p;
        }
    }

    /// @notice `hashStruct(Session)` under EIP-712: the session's digest.
    function digest(Session memory s) internal pure returns (bytes32) {
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
                    s.salt
                )
            );
    }
}
