// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ISessionSignerVerifier} from "../sessions/ISessionSignerVerifier.sol";

/**
 * @title FrostSignerVerifier
 * @notice Verifies FROST(secp256k1, SHA-256) signatures (RFC 9591) for sessions whose signer is a threshold
 * group key: the session's `signer` is the group public key, and nothing else in the SessionKeyManager changes.
 *
 * Formats (uncompressed, so that no square root is needed on chain):
 * - signer: `PK.x (32) ‖ PK.y (32)`, the group public key;
 * - signature: `R.x (32) ‖ R.y (32) ‖ z (32)`, the RFC 9591 signature `(R, z)` with R's full coordinates.
 *
 * What is verified is the RFC 9591 signature: the challenge is `c = H2(enc(R) ‖ enc(PK) ‖ message)`, H2 being
 * `hash_to_field` with `expand_message_xmd(SHA-256)`, DST `"FROST-secp256k1-SHA256-v1chal"`, 48 bytes reduced mod
 * n, and enc the 33-byte compressed SEC1 encoding; the check is `z·G = R + c·PK`. It is done with one ecrecover:
 * `ecrecover(z·PK.x, v(PK), PK.x, c·PK.x)` is the address of `c·PK − z·G`, which must be `−R`.
 *
 * Refused: points off the curve or not in field range, `PK.x ≥ n` (ecrecover's range; a random key has it with
 * probability ≈ 2^−128), `z ≥ n`, a zero `c·PK.x`, and wrong lengths. Stateless; no banned opcodes.
 */
contract FrostSignerVerifier is ISessionSignerVerifier {
    uint256 private constant P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    uint256 private constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    /// @dev RFC 9591 §6.5: contextString "FROST-secp256k1-SHA256-v1" ‖ "chal" (29 bytes).
    bytes private constant CHALLENGE_DST = "FROST-secp256k1-SHA256-v1chal";

    /// @inheritdoc ISessionSignerVerifier
    function isValidSessionSignature(bytes calldata signer, bytes32 hash, bytes calldata signature) external view returns (bool) {
        return verify(signer, abi.encodePacked(hash), signature);
    }

    /// @notice Whether `signature` is a valid RFC 9591 FROST(secp256k1, SHA-256) signature of `message` by `publicKey`.
    function verify(bytes calldata publicKey, bytes memory message, bytes calldata signature) public view returns (bool) {
        if (publicKey.length != 64 || signature.length != 96) return false;
        uint256 pkX = uint256(bytes32(publicKey[0:32]));
        uint256 pkY = uint256(bytes32(publicKey[32:64]));
        uint256 rX = uint256(bytes32(signature[0:32]));
        uint256 rY = uint256(bytes32(signature[32:64]));
        uint256 z = uint256(bytes32(signature[64:96]));
        if (!_onCurve(pkX, pkY) || !_onCurve(rX, rY) || pkX >= N || z >= N) return false;

        uint256 c = _challenge(_compressed(rX, rY), _compressed(pkX, pkY), message);
        uint256 s = mulmod(c, pkX, N);
        if (s == 0) return false;
        uint256 m = mulmod(z, pkX, N);
        address recovered = _ecrecover(m, 27 + (pkY & 1), pkX, s);
        // −R = (R.x, P − R.y); R.y is never 0 (a point with y = 0 has order 2, and the group has odd prime order).
        address minusR = address(uint160(uint256(keccak256(abi.encodePacked(rX, P - rY)))));
        return recovered != address(0) && recovered == minusR;
    }

    /*
     * The precompiles are called in assembly so that GAS comes right before STATICCALL (ERC-7562 OP-012):
     * the compiler's own sequences for `sha256` and `ecrecover` may put other instructions in between.
     */

    /// @dev SHA-256 of `data` (precompile 0x02).
    function _sha256(bytes memory data) private view returns (bytes32 digest) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, add(data, 0x20), mload(data), 0x00, 0x20)) {
                revert(0x00, 0x00)
            }
            digest := mload(0x00)
        }
    }

    /// @dev The address ecrecover (precompile 0x01) gives for (hash, v, r, s), zero when it gives none.
    function _ecrecover(uint256 hash, uint256 v, uint256 r, uint256 s) private view returns (address signer) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hash)
            mstore(add(ptr, 0x20), v)
            mstore(add(ptr, 0x40), r)
            mstore(add(ptr, 0x60), s)
            mstore(0x00, 0)
            if iszero(staticcall(gas(), 0x01, ptr, 0x80, 0x00, 0x20)) {
                revert(0x00, 0x00)
            }
            signer := mload(0x00)
        }
    }

    /// @dev y² = x³ + 7 over the field, both coordinates in range (the point at infinity has no such encoding).
    function _onCurve(uint256 x, uint256 y) private pure returns (bool) {
        if (x >= P || y >= P) return false;
        return mulmod(y, y, P) == addmod(mulmod(mulmod(x, x, P), x, P), 7, P);
    }

    /// @dev The 33-byte compressed SEC1 encoding of (x, y).
    function _compressed(uint256 x, uint256 y) private pure returns (bytes memory) {
        return abi.encodePacked(bytes1(y & 1 == 0 ? 0x02 : 0x03), x);
    }

    /// @dev H2: hash_to_field(enc(R) ‖ enc(PK) ‖ message, 1) with expand_message_xmd(SHA-256), L = 48, mod n.
    function _challenge(bytes memory rEnc, bytes memory pkEnc, bytes memory message) private view returns (uint256) {
        bytes memory dstPrime = abi.encodePacked(CHALLENGE_DST, uint8(CHALLENGE_DST.length));
        // msg' = Z_pad (64 zero bytes) ‖ msg ‖ I2OSP(48, 2) ‖ I2OSP(0, 1) ‖ DST'
        bytes32 b0 = _sha256(abi.encodePacked(bytes32(0), bytes32(0), rEnc, pkEnc, message, uint16(48), uint8(0), dstPrime));
        bytes32 b1 = _sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        bytes32 b2 = _sha256(abi.encodePacked(b0 ^ b1, uint8(2), dstPrime));
        // The 48 uniform bytes are b1 ‖ b2[0:16]: as an integer, b1 · 2^128 + (b2 >> 128).
        return addmod(mulmod(uint256(b1), 1 << 128, N), uint256(b2) >> 128, N);
    }
}
