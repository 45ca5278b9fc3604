import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, hexToBytes, isHex, stringToBytes, type Address, type Hex } from 'viem'

/**
 * A session key on its way to a runner, readable by that runner only: an ephemeral X25519 key agreed with the
 * runner's key, HKDF-SHA256 to an AES-256-GCM key, and the runner, the client and the session as associated
 * data, so that an envelope cannot be opened by another runner nor added under another client or session.
 * Uses WebCrypto and noble only: it works in Node and in a browser.
 */
export type SessionKeyEnvelope = { ephemeralKey: Hex; nonce: Hex; ciphertext: Hex }

/** Who the envelope is for: the runner's key, the client adding the job, and the session's digest. */
export type EnvelopeContext = { runnerKey: Hex; client: Address; session: Hex }

/** The envelope is not for this runner, client or session, or was altered. */
export class EnvelopeError extends Error {
  override name = 'EnvelopeError'
}

const INFO = stringToBytes('latchkey/automation/session-key/v1')
const contextBytes = (c: EnvelopeContext) => stringToBytes(`${c.runnerKey.toLowerCase()}\n${c.client.toLowerCase()}\n${c.session.toLowerCase()}`)

async function aesKey(shared: Uint8Array, context: EnvelopeContext, usage: 'encrypt' | 'decrypt') {
  const base = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: contextBytes(context), info: INFO }, base, { name: 'AES-GCM', length: 256 }, false, [usage])
}

export async function sealSessionKey(sessionKey: Hex, context: EnvelopeContext): Promise<SessionKeyEnvelope> {
  const ephemeral = x25519.utils.randomSecretKey()
  const shared = x25519.getSharedSecret(ephemeral, hexToBytes(context.runnerKey))
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  const key = await aesKey(shared, context, 'encrypt')
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: contextBytes(context) }, key, hexToBytes(sessionKey)))
  return { ephemeralKey: bytesToHex(x25519.getPublicKey(ephemeral)), nonce: bytesToHex(nonce), ciphertext: bytesToHex(ciphertext) }
}

/** The session key, or an {@link EnvelopeError}. */
export async function openSessionKey(envelope: unknown, runnerSecret: Uint8Array, context: EnvelopeContext): Promise<Hex> {
  const e = (envelope ?? {}) as Partial<SessionKeyEnvelope>
  if (![e.ephemeralKey, e.nonce, e.ciphertext].every((v) => typeof v === 'string' && isHex(v))) throw new EnvelopeError('the sealed session key is malformed (ephemeralKey, nonce, ciphertext: hex)')
  try {
    const shared = x25519.getSharedSecret(runnerSecret, hexToBytes(e.ephemeralKey!))
    const key = await aesKey(shared, context, 'decrypt')
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: hexToBytes(e.nonce!), additionalData: contextBytes(context) }, key, hexToBytes(e.ciphertext!))
    return bytesToHex(new Uint8Array(plain))
  } catch {
    throw new EnvelopeError('the sealed session key does not open: it is for another runner, client or session, or it was altered')
  }
}
