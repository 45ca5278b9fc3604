import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { LocalAccount } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { frostSignerKey } from '../signers/frostOnChain.ts'
import { generateDistributedKey, type GenerateDistributedKeyReturnType } from '../signers/generateDistributedKey.ts'
import { networkSessionSigner, type SignerNodeFailure } from '../signers/networkSessionSigner.ts'
import type { SessionSigner } from '../signers/sessionSigner.ts'
import type { Session } from './session.ts'
import { createSession, type CreateSessionParameters } from './createSession.ts'

export type CreateDistributedSessionParameters = Omit<CreateSessionParameters, 'signer'> & {
  /** The signer nodes' base URLs: each takes part in the key generation and holds a share. */
  nodes: readonly string[]
  /** How many of them must sign (t of n, at least 2). */
  threshold: number
  /** The session holder's client credential: registered with the key, it signs every request to the nodes. */
  client: LocalAccount
  /** Told of every node left out of a signature, and why. */
  onNodeFailure?: ((failure: SignerNodeFailure) => void) | undefined
}

export type CreateDistributedSessionReturnType = {
  /** The session, its signer the group key: grant it as any other (root or approval). */
  session: Session
  /** Signs through the nodes: give it to `toSessionAccount`. */
  signer: SessionSigner
  /** The group key and its nodes (plain data): keep it to make the signer again with `networkSessionSigner`. */
  key: GenerateDistributedKeyReturnType
}

/**
 * A session whose key is never in one place: runs a distributed key generation on `nodes` (no party, this
 * client included, ever holds the group key), then creates the session with the group key as its signer.
 * Every userOp the session signs is then checked by each of `threshold` nodes against the session's policy
 * on chain before they sign it.
 */
export async function createDistributedSession(parameters: CreateDistributedSessionParameters): Promise<CreateDistributedSessionReturnType> {
  const { nodes, threshold, client, onNodeFailure, ...sessionParameters } = parameters
  // The session's parameters are checked before any node stores a share: with a stand-in group key.
  createSession({ ...sessionParameters, signer: { verifier: latchkeyModules.frostSignerVerifier, key: frostSignerKey(secp256k1.Point.BASE.toBytes(true)) } })
  const key = await generateDistributedKey({ nodes, threshold, client })
  const signer = networkSessionSigner({ ...key, client, onNodeFailure })
  const session = createSession({ ...sessionParameters, signer })
  return { session, signer, key }
}
