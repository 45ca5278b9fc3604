import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'

/**
 * A signer node's long-term identity: an Ed25519 key that signs everything the node broadcasts (so the DKG
 * transcript is authenticated node to node, whoever relays it) and an X25519 key that DKG round-2 shares
 * are encrypted to (so a relay, the SDK included, never reads one). Both from node:crypto; no dependency.
 */
export type NodeIdentity = {
  signingKey: KeyObject
  encryptionKey: KeyObject
  /** What others need: the public halves, raw, hex. */
  public: NodePublicIdentity
}

/** A node's public identity as the others pin it: raw Ed25519 and X25519 public keys (32 bytes each, hex). */
export type NodePublicIdentity = { signingKey: string; encryptionKey: string }

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')

const rawPublic = (key: KeyObject) => createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex')

/** A public key object from 32 raw bytes (hex). */
export function publicKeyFromRaw(kind: 'ed25519' | 'x25519', hex: string): KeyObject {
  const raw = Buffer.from(hex, 'hex')
  if (raw.length !== 32) throw new Error(`an ${kind} public key is 32 bytes, not ${raw.length}`)
  return createPublicKey({ key: Buffer.concat([kind === 'ed25519' ? ED25519_SPKI_PREFIX : X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' })
}

function identityOf(signingKey: KeyObject, encryptionKey: KeyObject): NodeIdentity {
  return { signingKey, encryptionKey, public: { signingKey: rawPublic(signingKey), encryptionKey: rawPublic(encryptionKey) } }
}

/** A new identity (the node keeps it; see `exportNodeIdentity`). */
export function generateNodeIdentity(): NodeIdentity {
  return identityOf(generateKeyPairSync('ed25519').privateKey, generateKeyPairSync('x25519').privateKey)
}

/** The identity's private keys as PKCS#8 PEM, to be stored (encrypted at rest by whoever stores them). */
export function exportNodeIdentity(identity: NodeIdentity): { signingKey: string; encryptionKey: string } {
  const pem = (key: KeyObject) => key.export({ format: 'pem', type: 'pkcs8' }).toString()
  return { signingKey: pem(identity.signingKey), encryptionKey: pem(identity.encryptionKey) }
}

export function importNodeIdentity(exported: { signingKey: string; encryptionKey: string }): NodeIdentity {
  return identityOf(createPrivateKey(exported.signingKey), createPrivateKey(exported.encryptionKey))
}

/** An Ed25519 signature (hex) of `message` by the identity. */
export const signBytes = (identity: NodeIdentity, message: Uint8Array): string => sign(null, message, identity.signingKey).toString('hex')

/** Whether `signature` (hex) is `signer`'s Ed25519 signature of `message`. */
export function verifyBytes(signer: NodePublicIdentity, message: Uint8Array, signature: string): boolean {
  try {
    return verify(null, message, publicKeyFromRaw('ed25519', signer.signingKey), Buffer.from(signature, 'hex'))
  } catch {
    return false
  }
}
