import { bytesToHex, keccak256, stringToHex, type Address, type Hex, type LocalAccount } from 'viem'
import { canonicalJson } from './canonicalJson.ts'

/**
 * A request to a signer node is signed by the session holder's client credential (an ECDSA key) over the
 * node it is for (the node's Ed25519 signing key), the path, the payload, an expiry and a nonce; the node
 * refuses it for another node, expired, replayed or signed by anyone else.
 */
export type NodeRequestAuth = { client: Address; node: string; expiresAt: number; nonce: string; signature: Hex }

/** What the client signs (personal_sign of these 32 bytes). */
export function nodeRequestHash(request: { node: string; path: string; payload: unknown; expiresAt: number; nonce: string }): Hex {
  return keccak256(stringToHex(canonicalJson(request)))
}

/** Authentication for `payload` sent to `path` of the node whose signing key is `node`, valid `lifetime` seconds. */
export async function signNodeRequest(client: LocalAccount, node: string, path: string, payload: unknown, lifetime = 60): Promise<NodeRequestAuth> {
  const expiresAt = Math.floor(Date.now() / 1000) + lifetime
  const nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2)
  const signature = await client.signMessage({ message: { raw: nodeRequestHash({ node, path, payload, expiresAt, nonce }) } })
  return { client: client.address, node, expiresAt, nonce, signature }
}
