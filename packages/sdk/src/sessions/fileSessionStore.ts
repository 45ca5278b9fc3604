import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Hex } from 'viem'
import { SessionFormatError } from '../errors/session.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { parseSessionGrant, serializeSessionGrant } from './sessionGrant.ts'
import type { SessionStore, StoredSession } from './sessionStore.ts'

export type FileSessionStoreOptions = {
  /** Encrypts private keys at rest (scrypt N=2^15 + AES-256-GCM). Required to store keys, unless... */
  passphrase?: string | undefined
  /** ...the caller asks, in so many words, for keys in plain text. */
  plaintextKeys?: boolean | undefined
}

type EncryptedKey = { kdf: 'scrypt'; n: number; salt: string; iv: string; tag: string; ciphertext: string }
type FileEntry = { grant: string; key?: { plain: Hex } | { encrypted: EncryptedKey } }

const SCRYPT_N = 2 ** 15

function deriveKey(passphrase: string, salt: Buffer, n: number): Buffer {
  return scryptSync(passphrase, salt, 32, { N: n, r: 8, p: 1, maxmem: 64 * 1024 * 1024 })
}

/**
 * Sessions in one JSON file (written atomically). A private key is written only encrypted with the
 * passphrase, or in plain text when `plaintextKeys: true` is given; without either, saving a key throws.
 * Node.js only.
 */
export class FileSessionStore implements SessionStore {
  constructor(
    readonly path: string,
    private readonly options: FileSessionStoreOptions = {},
  ) {}

  private read(): Record<string, FileEntry> {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw error
    }
    try {
      return JSON.parse(text) as Record<string, FileEntry>
    } catch {
      throw new SessionFormatError(`${this.path} is not a session store (not JSON)`)
    }
  }

  private write(entries: Record<string, FileEntry>) {
    mkdirSync(dirname(this.path), { recursive: true })
    const temporary = `${this.path}.${process.pid}.tmp`
    writeFileSync(temporary, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 })
    renameSync(temporary, this.path)
  }

  private sealKey(privateKey: Hex): NonNullable<FileEntry["key"]> {
    if (this.options.passphrase) {
      const salt = randomBytes(16)
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', deriveKey(this.options.passphrase, salt, SCRYPT_N), iv)
      const ciphertext = Buffer.concat([cipher.update(privateKey.slice(2), 'hex'), cipher.final()])
      return {
        encrypted: { kdf: 'scrypt', n: SCRYPT_N, salt: salt.toString('hex'), iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex'), ciphertext: ciphertext.toString('hex') },
      }
    }
    if (this.options.plaintextKeys) return { plain: privateKey }
    throw new InvalidParameterError('privateKey', 'the file store writes keys only encrypted (give a passphrase) or with plaintextKeys: true')
  }

  private openKey(key: FileEntry['key']): Hex | undefined {
    if (!key) return undefined
    if ('plain' in key) return key.plain
    if (!this.options.passphrase) throw new InvalidParameterError('passphrase', 'this store holds encrypted keys: give the passphrase')
    const e = key.encrypted
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(this.options.passphrase, Buffer.from(e.salt, 'hex'), e.n), Buffer.from(e.iv, 'hex'))
    decipher.setAuthTag(Buffer.from(e.tag, 'hex'))
    try {
      return `0x${Buffer.concat([decipher.update(Buffer.from(e.ciphertext, 'hex')), decipher.final()]).toString('hex')}`
    } catch {
      throw new InvalidParameterError('passphrase', 'wrong passphrase (or the stored key was altered)')
    }
  }

  async save(entry: StoredSession) {
    const entries = this.read()
    const fileEntry: FileEntry = { grant: serializeSessionGrant(entry.grant) }
    if (entry.privateKey) fileEntry.key = this.sealKey(entry.privateKey)
    entries[entry.grant.digest.toLowerCase()] = fileEntry
    this.write(entries)
  }

  async load(digest: Hex) {
    const entry = this.read()[digest.toLowerCase()]
    if (!entry) return undefined
    const stored: StoredSession = { grant: parseSessionGrant(entry.grant).grant }
    const privateKey = this.openKey(entry.key)
    if (privateKey) stored.privateKey = privateKey
    return stored
  }

  async list() {
    const digests = Object.keys(this.read()) as Hex[]
    return (await Promise.all(digests.map((d) => this.load(d)))).filter((e): e is StoredSession => e !== undefined)
  }

  async remove(digest: Hex) {
    const entries = this.read()
    delete entries[digest.toLowerCase()]
    this.write(entries)
  }
}
