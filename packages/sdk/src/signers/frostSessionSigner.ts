import { secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { concat, hexToBytes, numberToHex, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
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
  const key = frostSignerKey(parameters.groupPublicKey)
  const publicKey = hexToBytes(concat(['0x04', key]))
  return {
    verifier: parameters.verifier ?? latchkeyModules.frostSignerVerifier,
    key,
    async signSessionHash(signingHash) {
      const message = hexToBytes(sessionMessageHash(signingHash))
      const signed = await parameters.sign(message)
      const signature = typeof signed === 'string' ? hexToBytes(signed) : signed
      // A coordinator's mistake is caught here, with a clear error, rather than on chain as AA24.
      if (!secp256k1_FROST.verify(signature, message, publicKey)) {
        throw new LatchkeyError('The FROST group returned a signature that does not verify under the group key: nothing was sent.')
      }
      return frostOnChainSignature(signature)
    },
    stubSignature: concat([numberToHex(G_X, { size: 32 }), numberToHex(G_Y, { size: 32 }), numberToHex(1n, { size: 32 })]),
  }
}
