import { p256 } from '@noble/curves/nist.js'
import { bytesToHex, concat, hexToBytes, isHex, numberToHex, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * The formats P256SignerVerifier reads (packages/contracts/src/signers/P256SignerVerifier.sol): a signer is
 * `Q.x ‖ Q.y ‖ options`, a raw signature `r ‖ s` with `s` in the lower half of the group order.
 */

/** Options bits of a P-256 signer (the signer's last byte). */
export const P256_OPTIONS = { webAuthn: 0x01, precompile: 0x02, userVerified: 0x04 } as const

/**
 * How the verifier checks the curve: `'precompile'` with P256VERIFY (EIP-7951 on L1 from Osaka, RIP-7212 on
 * rollups; about 100× cheaper, refused where the chain has none), or `'solidity'`, which works on every chain.
 */
export type P256Verification = 'precompile' | 'solidity'

const N = p256.Point.Fn.ORDER
/** DER prefix of a P-256 public key in SubjectPublicKeyInfo (what WebCrypto exports as `spki` and WebAuthn's `getPublicKey()` gives). */
const SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200'

const bytesOf = (value: Hex | Uint8Array): Uint8Array => (isHex(value) ? hexToBytes(value) : value)

/**
 * A P-256 public key from its SEC1 encoding (65 bytes uncompressed or 33 compressed) or its SubjectPublicKeyInfo
 * (DER, 91 bytes), as `x ‖ y` (64 bytes). Refused when it is not a point of the curve.
 */
export function p256PublicKeyXY(publicKey: Hex | Uint8Array): Hex {
  let bytes = bytesOf(publicKey)
  if (bytes.length === 91 && bytesToHex(bytes.subarray(0, 26)).slice(2) === SPKI_PREFIX) bytes = bytes.subarray(26)
  try {
    return bytesToHex(p256.Point.fromBytes(bytes).toBytes(false).subarray(1))
  } catch (error) {
    throw new InvalidParameterError('publicKey', `not a P-256 public key (SEC1 or SubjectPublicKeyInfo): ${(error as Error).message}`)
  }
}

/** A session's `signer` bytes for a P-256 key: `x ‖ y ‖ options`. */
export function p256SignerKey(publicKey: Hex | Uint8Array, options: { webAuthn: boolean; verification: P256Verification; userVerified: boolean }): Hex {
  const bits =
    (options.webAuthn ? P256_OPTIONS.webAuthn : 0) |
    (options.verification === 'precompile' ? P256_OPTIONS.precompile : 0) |
    (options.webAuthn && options.userVerified ? P256_OPTIONS.userVerified : 0)
  return concat([p256PublicKeyXY(publicKey), numberToHex(bits, { size: 1 })])
}

/**
 * `r ‖ s` (64 bytes) from a P-256 signature given as 64 raw bytes (IEEE P1363, WebCrypto's format) or DER
 * (WebAuthn's format), with `s` moved to the lower half (`n − s`), which the verifier requires: both halves
 * are valid signatures of the same message, and only one of them is accepted, so a signature has one form.
 */
export function p256CompactSignature(signature: Uint8Array): Hex {
  let parsed
  try {
    parsed = p256.Signature.fromBytes(signature, signature.length === 64 ? 'compact' : 'der')
  } catch (error) {
    throw new InvalidParameterError('signature', `not a P-256 signature (64 raw bytes or DER): ${(error as Error).message}`)
  }
  const s = parsed.s > N / 2n ? N - parsed.s : parsed.s
  return concat([numberToHex(parsed.r, { size: 32 }), numberToHex(s, { size: 32 })])
}
