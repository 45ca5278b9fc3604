import { concat, hexToBytes, numberToHex, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { frostOnChainSignature, frostSignerKey } from './frostOnChain.ts'
import { sessionMessageHash, type SessionSigner } from './sessionSigner.ts'

/** The secp256k1 generator's coordinates: a point on the curve, so that stub signatures cost what real ones do. */
const G_X = 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n
const G_Y = 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n

export type FrostSessionSignerParameters = {
  /** The group public key (33-byte compressed or 65-byte uncompressed SEC1). */
  groupPublicKey: Hex | Uint8Array
  /**
   * Produces an RFC 9591 FROST(secp256k1, SHA-256) signature (`R (33) ‖ z (32)`) of `message` by the group:
   * the signer network's coordinator, or, in tests only, shares held in one process.
   */
  sign(message: Uint8Array): Promise<Uint8Array | Hex>
  /** The FrostSignerVerifier. Default: `latchkeyModules.frostSignerVerifier`. */
  verifier?: Address | undefined
}

/**
 * The session signer of a FROST threshold group: the session's signer is the group key, checked on chain by
 * FrostSignerVerifier; each signature is the group's RFC 9591 signature of the EIP-191 hash of the session
 * signing hash (what the manager hands to the verifier).
 */
export function frostSessionSigner(parameters: FrostSessionSignerParameters): SessionSigner {
  return {
    verifier: parameters.verifier ?? latchkeyModules.frostSignerVerifier,
    key: frostSignerKey(parameters.groupPublicKey),
    async signSessionHash(signingHash) {
      return frostOnChainSignature(await parameters.sign(hexToBytes(sessionMessageHash(signingHash))))
    },
    stubSignature: concat([numberToHex(G_X, { size: 32 }), numberToHex(G_Y, { size: 32 }), numberToHex(1n, { size: 32 })]),
  }
}
