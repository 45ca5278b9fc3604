import { concat, hexToBytes, numberToHex, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { p256CompactSignature, p256SignerKey, type P256Verification } from './p256SignerKey.ts'
import { sessionMessageHash, type SessionSigner } from './sessionSigner.ts'

/** WebCrypto's `CryptoKey` (named through `crypto.subtle`: the SDK builds without the DOM's types). */
type WebCryptoKey = Parameters<typeof crypto.subtle.sign>[1]

export type WebCryptoSessionSignerParameters = {
  /**
   * A WebCrypto `ECDSA` P-256 key pair. Make the private key non-extractable
   * (`crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])`): then no
   * script, the page's own included, can read it; it can only sign, in this origin, while it is kept (IndexedDB
   * stores CryptoKey objects as they are).
   */
  keyPair: { privateKey: WebCryptoKey; publicKey: WebCryptoKey }
  /** How the chain checks the curve (see {@link P256Verification}). Default `'solidity'`: works on every chain. */
  verification?: P256Verification | undefined
  /** The P256SignerVerifier. Default: `latchkeyModules.p256SignerVerifier`. */
  verifier?: Address | undefined
}

/**
 * The session signer of a WebCrypto P-256 key: the session's signer is the public key, checked on chain by
 * P256SignerVerifier; each signature is WebCrypto's ECDSA (SHA-256) of the EIP-191 hash of the session signing
 * hash (what the manager hands to the verifier). Async: the public key is exported once, here.
 */
export async function webCryptoSessionSigner(parameters: WebCryptoSessionSignerParameters): Promise<SessionSigner> {
  const { privateKey, publicKey } = parameters.keyPair
  const algorithm = privateKey.algorithm as { name: string; namedCurve?: string }
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256' || !privateKey.usages.includes('sign')) {
    throw new InvalidParameterError('keyPair', `an ECDSA P-256 key pair whose private key may sign is needed, not ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim())
  }
  const verification = parameters.verification ?? 'solidity'
  const key = p256SignerKey(new Uint8Array(await crypto.subtle.exportKey('raw', publicKey)), { webAuthn: false, verification, userVerified: false })
  return {
    verifier: parameters.verifier ?? latchkeyModules.p256SignerVerifier,
    key,
    async signSessionHash(signingHash) {
      const message = new Uint8Array(hexToBytes(sessionMessageHash(signingHash)))
      const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, message)
      return p256CompactSignature(new Uint8Array(signature))
    },
    // r = s = 1 pass the verifier's range checks, so an estimate runs the whole curve check, as a real one does.
    stubSignature: concat([numberToHex(1n, { size: 32 }), numberToHex(1n, { size: 32 })]),
  }
}
