import type { Address } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import type { P256Verification } from './p256SignerKey.ts'
import { p256SessionSigner } from './p256SessionSigner.ts'
import type { SessionSigner } from './sessionSigner.ts'

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
 * hash (what the manager hands to the verifier): {@link p256SessionSigner} with the browser's key. Async: the
 * public key is exported once, here.
 */
export async function webCryptoSessionSigner(parameters: WebCryptoSessionSignerParameters): Promise<SessionSigner> {
  const { privateKey } = parameters.keyPair
  const algorithm = privateKey.algorithm as { name: string; namedCurve?: string }
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256' || !privateKey.usages.includes('sign')) {
    throw new InvalidParameterError('keyPair', `an ECDSA P-256 key pair whose private key may sign is needed, not ${algorithm.name} ${algorithm.namedCurve ?? ''}`.trim())
  }
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', parameters.keyPair.publicKey))
  return p256SessionSigner({
    publicKey,
    sign: async (message) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new Uint8Array(message))),
    verification: parameters.verification,
    verifier: parameters.verifier,
  })
}
