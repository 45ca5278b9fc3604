import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

/**
 * Encryption at rest under the node's own key: AES-256-GCM with a 32-byte key kept in a file of its own
 * (mode 0600, beside the database, never inside it). Each sealed value names what it is (associated data),
 * so one sealed value cannot be passed off as another.
 */
export class AtRestCipher {
  readonly #key: Buffer

  private constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the node key is 32 bytes')
    this.#key = key
  }

  /** The node key in `path`, created (random, mode 0600) when the file does not exist. */
  static loadOrCreate(path: string): AtRestCipher {
    if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' })
    return new AtRestCipher(Buffer.from(readFileSync(path, 'utf8').trim(), 'hex'))
  }

  /** `nonce ‖ ciphertext ‖ tag`, hex. */
  seal(plaintext: Uint8Array, label: string): string {
    const nonce = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce)
    cipher.setAAD(Buffer.from(label))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
    return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('hex')
  }

  open(sealed: string, label: string): Uint8Array {
    const raw = Buffer.from(sealed, 'hex')
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12))
    decipher.setAAD(Buffer.from(label))
    decipher.setAuthTag(raw.subarray(raw.length - 16))
    return new Uint8Array(Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]))
  }
}
