// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {P256} from "@openzeppelin/contracts/utils/cryptography/P256.sol";
import {WebAuthn} from "@openzeppelin/contracts/utils/cryptography/WebAuthn.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {ISessionSignerVerifier} from "../sessions/ISessionSignerVerifier.sol";

/**
 * @title P256SignerVerifier
 * @notice Verifies P-256 (secp256r1) session signatures: a raw key (a WebCrypto `ECDSA P-256` key, which may be
 * non-extractable) or a WebAuthn passkey. The curve arithmetic is OpenZeppelin's `P256`: the P256VERIFY
 * precompile (EIP-7951 on L1 from Osaka, RIP-7212 on rollups) or its Solidity implementation, as the key asks.
 *
 * Signer (65 bytes): `Q.x (32) ‖ Q.y (32) ‖ options (1)`, options being bits:
 * - `0x01` WebAuthn: the signature is an assertion whose challenge is the hash; otherwise a raw signature of it;
 * - `0x02` precompile: verify with P256VERIFY (refused where the chain has none); otherwise in Solidity, which
 *   works on every chain and touches only precompiles 0x01–0x09 (ERC-7562 OP-062);
 * - `0x04` user verified: a WebAuthn assertion must carry the UV flag (user presence is always required).
 * Any other bit, or `0x04` without `0x01`, makes the signer invalid. The options are part of the session, so
 * the owner approves them and a session holder cannot change them.
 *
 * Signatures:
 * - raw: `r (32) ‖ s (32)`, an ECDSA P-256 signature of SHA-256(hash), the 32-byte hash being the message, as
 *   WebCrypto's `sign({ name: "ECDSA", hash: "SHA-256" }, key, hash)` makes it, with `s` in the lower half;
 * - WebAuthn: `abi.encode(WebAuthn.WebAuthnAuth)` (r, s, challengeIndex, typeIndex, authenticatorData,
 *   clientDataJSON). Checked: `"type":"webauthn.get"` at typeIndex; `"challenge":"<base64url(hash)>"` at
 *   challengeIndex; the UP flag, and UV when the key asks; a backup state only with backup eligibility; and the
 *   P-256 signature of SHA-256(authenticatorData ‖ SHA-256(clientDataJSON)). Not checked: the relying party's
 *   id hash (a passkey's key pair belongs to one relying party already), the signature counter, extensions.
 *
 * Every check is evaluated, whatever an earlier one found, so that an estimate with a stand-in signature costs
 * what a real signature costs. Stateless; SHA-256 and P256VERIFY are called with GAS right before STATICCALL.
 */
contract P256SignerVerifier is ISessionSignerVerifier {
    uint8 internal constant WEBAUTHN = 0x01;
    uint8 internal constant PRECOMPILE = 0x02;
    uint8 internal constant USER_VERIFIED = 0x04;

    bytes1 private constant FLAG_UP = 0x01;
    bytes1 private constant FLAG_UV = 0x04;
    bytes1 private constant FLAG_BE = 0x08;
    bytes1 private constant FLAG_BS = 0x10;
    bytes21 private constant TYPE_GET = '"type":"webauthn.get"';

    /// @inheritdoc ISessionSignerVerifier
    function isValidSessionSignature(bytes calldata signer, bytes32 hash, bytes calldata signature) external view returns (bool) {
        if (signer.length != 65) return false;
        uint8 options = uint8(signer[64]);
        if (options & ~(WEBAUTHN | PRECOMPILE | USER_VERIFIED) != 0) return false;
        bytes32 qx = bytes32(signer[0:32]);
        bytes32 qy = bytes32(signer[32:64]);
        bool precompile = options & PRECOMPILE != 0;
        if (options & WEBAUTHN == 0) {
            if (options & USER_VERIFIED != 0 || signature.length != 64) return false;
            return _p256(_sha256(abi.encodePacked(hash)), bytes32(signature[0:32]), bytes32(signature[32:64]), qx, qy, precompile);
        }
        (bool decoded, WebAuthn.WebAuthnAuth calldata auth) = WebAuthn.tryDecodeAuth(signature);
        if (!decoded) return false;
        return _isValidAssertion(hash, auth, qx, qy, precompile, options & USER_VERIFIED != 0);
    }

    function _isValidAssertion(
        bytes32 challenge,
        WebAuthn.WebAuthnAuth calldata auth,
        bytes32 qx,
        bytes32 qy,
        bool precompile,
        bool requireUV
    ) private view returns (bool) {
        bytes calldata authData = auth.authenticatorData;
        bytes calldata clientData = bytes(auth.clientDataJSON);
        if (authData.length < 37) return false;
        bytes1 flags = authData[32];
        bool flagsOk = flags & FLAG_UP == FLAG_UP && (!requireUV || flags & FLAG_UV == FLAG_UV) && (flags & FLAG_BE == FLAG_BE || flags & FLAG_BS == 0);
        bool typeOk = _hasAt(clientData, auth.typeIndex, abi.encodePacked(TYPE_GET));
        bool challengeOk = _hasAt(clientData, auth.challengeIndex, abi.encodePacked('"challenge":"', Base64.encodeURL(abi.encodePacked(challenge)), '"'));
        bytes32 message = _sha256(abi.encodePacked(authData, _sha256(clientData)));
        bool signed = _p256(message, auth.r, auth.s, qx, qy, precompile);
        return flagsOk && typeOk && challengeOk && signed;
    }

    /// @dev Whether `data` holds `expected` at `index` (false when it would run past the end).
    function _hasAt(bytes calldata data, uint256 index, bytes memory expected) private pure returns (bool) {
        if (index > data.length || data.length - index < expected.length) return false;
        return keccak256(data[index:index + expected.length]) == keccak256(expected);
    }

    /**
     * @dev A P-256 signature check. In Solidity: OpenZeppelin's `P256.verifySolidity`. With the precompile: the
     * same bounds (0 < r < n, 0 < s ≤ n/2), then P256VERIFY, whose answer must be exactly 1; a chain without it
     * answers nothing, which is false (OpenZeppelin's `verifyNative` reverts there and probes with a second call).
     */
    function _p256(bytes32 h, bytes32 r, bytes32 s, bytes32 qx, bytes32 qy, bool precompile) private view returns (bool valid) {
        if (!precompile) return P256.verifySolidity(h, r, s, qx, qy);
        if (uint256(r) == 0 || uint256(r) >= P256.N || uint256(s) == 0 || uint256(s) > P256.N / 2) return false;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, h)
            mstore(add(ptr, 0x20), r)
            mstore(add(ptr, 0x40), s)
            mstore(add(ptr, 0x60), qx)
            mstore(add(ptr, 0x80), qy)
            mstore(0x00, 0)
            let ok := staticcall(gas(), 0x100, ptr, 0xa0, 0x00, 0x20)
            valid := and(and(ok, eq(returndatasize(), 0x20)), eq(mload(0x00), 1))
        }
    }

    /// @dev SHA-256 of `data` (precompile 0x02), GAS right before STATICCALL (ERC-7562 OP-012).
    function _sha256(bytes memory data) private view returns (bytes32 digest) {
        assembly ("memory-safe") {
            if iszero(staticcall(gas(), 0x02, add(data, 0x20), mload(data), 0x00, 0x20)) {
                revert(0x00, 0x00)
            }
            digest := mload(0x00)
        }
    }
}
