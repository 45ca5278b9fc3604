import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hashMessage, hexToBytes, type Address, type Hex } from 'viem'
import { publicKeyToAddress } from 'viem/accounts'
import { nodeRequestHash, type NodeRequestAuth } from '@latchkey/sdk'
import type { NodeStore } from '../storage/nodeStore.ts'

/**
 * Every request to a node is signed by the session holder's client credential (an ECDSA key): over the
 * node it is for (its signing key), the path, the payload, an expiry and a nonce. The node refuses a
 * request for another node, expired or too far ahead, replayed, or not signed by the expected client.
 */
export type RequestAuth = NodeRequestAuth

/** Longest a request may be valid for, seconds. */
export const MAX_REQUEST_LIFETIME = 300

export class RequestRefusedError extends Error {
  override name = 'RequestRefusedError'
  constructor(readonly reason: string) {
    super(`request refused: ${reason}`)
  }
}

/**
 * The address that signed `hash` with personal_sign (EIP-191). Recovered with the curve library imported
 * once, where viem's `recoverMessageAddress` imports it again on every call (a cost under a module loader).
 */
function recoverPersonalSigner(hash: Hex, signature: Hex): Address {
  const bytes = hexToBytes(signature)
  if (bytes.length !== 65) throw new Error('not a 65-byte signature')
  const v = bytes[64]!
  const recovery = v >= 27 ? v - 27 : v
  const point = secp256k1.Signature.fromBytes(bytes.subarray(0, 64), 'compact').addRecoveryBit(recovery).recoverPublicKey(hexToBytes(hashMessage({ raw: hash })))
  return publicKeyToAddress(`0x${point.toHex(false)}`)
}

/**
 * Checks `auth` for `path` and `payload` at this node (or any service whose key is `node`: the automation
 * runner's API uses it too); returns the client, or throws the reason.
 */
export async function authenticate(
  store: Pick<NodeStore, 'rememberRequest'>,
  node: string,
  path: string,
  payload: unknown,
  auth: RequestAuth | undefined,
  expectedClient?: Address,
  /** A further check of the client, before its nonce is stored: returns why it may not make this request. */
  refuseClient?: (client: Address) => string | undefined,
): Promise<Address> {
  if (!auth || typeof auth !== 'object') throw new RequestRefusedError('no authentication')
  const now = Math.floor(Date.now() / 1000)
  if (auth.node !== node) throw new RequestRefusedError('the request is for another node')
  if (!Number.isInteger(auth.expiresAt) || auth.expiresAt < now) throw new RequestRefusedError('the request expired')
  if (auth.expiresAt > now + MAX_REQUEST_LIFETIME) throw new RequestRefusedError(`the request is valid for more than ${MAX_REQUEST_LIFETIME} s`)
  if (typeof auth.nonce !== 'string' || auth.nonce.length < 16 || auth.nonce.length > 128) throw new RequestRefusedError('no request nonce (16 to 128 characters)')
  let signer: Address
  try {
    signer = recoverPersonalSigner(nodeRequestHash({ node, path, payload, expiresAt: auth.expiresAt, nonce: auth.nonce }), auth.signature)
  } catch {
    throw new RequestRefusedError('the signature is malformed')
  }
  if (signer.toLowerCase() !== String(auth.client).toLowerCase()) throw new RequestRefusedError('the signature is not the client’s')
  if (expectedClient && signer.toLowerCase() !== expectedClient.toLowerCase()) throw new RequestRefusedError('the client is not the one registered')
  const refusal = refuseClient?.(signer)
  if (refusal !== undefined) throw new RequestRefusedError(refusal)
  // Last, so that a refused request does not burn its nonce (nor store one).
  if (!(await store.rememberRequest(auth.nonce, auth.expiresAt))) throw new RequestRefusedError('the request was replayed')
  return signer
}
