import { concat, hexToBytes, numberToHex, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { p256CompactSignature, p256SignerKey, type P256Verification } from './p256SignerKey.ts'
import { sessionMessageHash, type SessionSigner } from './sessionSigner.ts'

export type P256SessionSignerParameters = {
  /** The P-256 public key: SEC1 (65 or 33 bytes) or SubjectPublicKeyInfo (DER). */
  publicKey: Hex | Uint8Array
  /**
   * Signs `message` (32 bytes) with ECDSA P-256 over SHA-256(message), as WebCrypto, a cloud KMS key
   * (`ECDSA_SHA_256`) or a hardware token do; returns the signature raw (`r ‖ s`, 64 bytes) or DER. A high
   * `s` is moved to the lower half here.
   */
  sign(message: Uint8Array): Promise<Uint8Array>
  /** How the chain checks the curve (see {@link P256Verification}). Default `'solidity'`: works on every chain. */
  verification?: P256Verification | undefined
  /** The P256SignerVerifier. Default: `latchkeyModules.p256SignerVerifier`. */
  verifier?: Address | undefined
}

/**
 * The session signer of a P-256 key held anywhere that signs ECDSA P-256 with SHA-256: the session's signer is
 * the public key, checked on chain by P256SignerVerifier; each signature is of the EIP-191 hash of the session
 * signing hash (what the manager hands to the verifier). `webCryptoSessionSigner` is this with a browser key.
 */
export function p256SessionSigner(parameters: P256SessionSignerParameters): SessionSigner {
  return {
    verifier: parameters.verifier ?? latchkeyModules.p256SignerVerifier,
    key: p256SignerKey(parameters.publicKey, { webAuthn: false, verification: parameters.verification ?? 'solidity', userVerified: false }),
    async signSessionHash(signingHash) {
      return p256CompactSignature(await parameters.sign(new Uint8Array(hexToBytes(sessionMessageHash(signingHash)))))
    },
    // r = s = 1 pass the verifier's range checks, so an estimate runs the whole curve check, as a real one does.
    stubSignature: concat([numberToHex(1n, { size: 32 }), numberToHex(1n, { size: 32 })]),
  }
}
