import type { SessionSigningRequest } from './sessionSigningRequest.ts'
import { concat, hashMessage, keccak256, pad, stringToHex, zeroAddress, type Address, type Hex, type LocalAccount } from 'viem'

/**
 * Who signs a session's userOps: the session's `signerVerifier` and `signer` bytes, and a function that signs
 * what session signers sign (docs/sessions.md §5). An ECDSA key is one ({@link ecdsaSessionSigner}); a FROST
 * threshold group is another (`frostSessionSigner`): the session account needs nothing else.
 */
export type SessionSigner = {
  /** The session's `signerVerifier`: zero for ECDSA (checked inside the manager), else the verifier contract. */
  verifier: Address
  /** The session's `signer` bytes: the ECDSA address, or the key in the verifier's format. */
  key: Hex
  /**
   * Signs a session signing hash (the keccak256 the manager rebuilds); the manager hands its EIP-191 message
   * hash to the verifier, so that is what must be signed. Returns the signature in the verifier's format.
   */
  signSessionHash(signingHash: Hex): Promise<Hex>
  /**
   * When present, used instead of `signSessionHash`: signs with everything the signature covers in full
   * (signers that check what they sign, such as the signer network, rebuild the hash themselves).
   */
  signSessionRequest?: ((request: SessionSigningRequest, signingHash: Hex) => Promise<Hex>) | undefined
  /** A signature of the right size and shape for gas estimates (it does not verify). */
  stubSignature: Hex
}

/** A 65-byte stand-in for an ECDSA signature, low s, for estimates. */
const ECDSA_STUB = concat([keccak256(stringToHex('latchkey session stub')), pad('0x01'), '0x1b'])

/** The session signer of an ECDSA key (a viem `LocalAccount`): `personal_sign` of the session signing hash. */
export function ecdsaSessionSigner(account: LocalAccount): SessionSigner {
  return {
    verifier: zeroAddress,
    key: account.address,
    signSessionHash: (signingHash) => account.signMessage({ message: { raw: signingHash } }),
    stubSignature: ECDSA_STUB,
  }
}

/** A {@link SessionSigner} as given, or the ECDSA session signer of a `LocalAccount`. */
export function toSessionSigner(signer: LocalAccount | SessionSigner): SessionSigner {
  return 'signSessionHash' in signer ? signer : ecdsaSessionSigner(signer)
}

/** The 32 bytes a non-ECDSA session signer signs: the EIP-191 message hash of the session signing hash. */
export const sessionMessageHash = (signingHash: Hex): Hex => hashMessage({ raw: signingHash })
