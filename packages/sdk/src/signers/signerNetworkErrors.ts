import { LatchkeyError } from '../errors/LatchkeyError.ts'

/**
 * A node refused a step, or its answer does not hold up. `misbehaving` names a node found to break the
 * protocol (by its FROST identifier): in key generation, the participant whose message a node rejected; in
 * signing, a node whose signature share did not verify.
 */
export class SignerNetworkError extends LatchkeyError {
  override name = 'SignerNetworkError'
  constructor(
    readonly node: string,
    reason: string,
    readonly misbehaving?: string,
    /** The node's error code, when it answered with one (e.g. `unknown-commitment`, `unauthenticated`). */
    readonly code?: string,
  ) {
    super(`Signer node ${node}: ${reason}`)
  }
}

/** Every node asked refused to sign: the request is outside the session's policy (their reason). */
export class SignerNetworkRefusedError extends LatchkeyError {
  override name = 'SignerNetworkRefusedError'
  constructor(readonly reason: string) {
    super(`The signer nodes refuse to sign: ${reason}`)
  }
}
