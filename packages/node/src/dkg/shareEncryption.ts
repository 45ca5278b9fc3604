import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto'
import { publicKeyFromRaw, type NodeIdentity, type NodePublicIdentity } from '../identity/nodeIdentity.ts'

/**
 * A DKG round-2 share encrypted to its recipient node: ephemeral X25519 with the recipient's encryption key,
 * HKDF-SHA256 to an AES-256-GCM key, and the DKG id, sender and recipient as associated data (a ciphertext
 * cannot be replayed into another DKG or between other parties). Whoever relays it cannot read it.
 */
export type EncryptedShare = { ephemeralKey: string; nonce: string; ciphertext: string; tag: string }

const INFO = Buffer.from('latchkey/dkg/round2-share/v1')

function keyFor(sharedSecret: Buffer, context: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', sharedSecret, context, INFO, 32))
}

const contextOf = (dkgId: string, sender: string, recipient: string) => Buffer.from(`${dkgId}\n${sender}\n${recipient}`)

export function encryptShare(plaintext: Uint8Array, recipient: NodePublicIdentity, context: { dkgId: string; sender: string; recipient: string }): EncryptedShare {
  const ephemeral = generateKeyPairSync('x25519')
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicKeyFromRaw('x25519', recipient.encryptionKey) })
  const aad = contextOf(context.dkgId, context.sender, context.recipient)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFor(shared, aad), nonce)
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return {
    ephemeralKey: ephemeral.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex'),
    nonce: nonce.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
  }
}

/** The plaintext, or undefined when the ciphertext is not for this node and context (or was altered). */
export function decryptShare(encrypted: EncryptedShare, recipient: NodeIdentity, context: { dkgId: string; sender: string; recipient: string }): Uint8Array | undefined {
  try {
    const shared = diffieHellman({ privateKey: recipient.encryptionKey, publicKey: publicKeyFromRaw('x25519', encrypted.ephemeralKey) })
    const aad = contextOf(context.dkgId, context.sender, context.recipient)
    const decipher = createDecipheriv('aes-256-gcm', keyFor(shared, aad), Buffer.from(encrypted.nonce, 'hex'))
    decipher.setAAD(aad)
    decipher.setAuthTag(Buffer.from(encrypted.tag, 'hex'))
    return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(encrypted.ciphertext, 'hex')), decipher.final()]))
  } catch {
    return undefined
  }
}
