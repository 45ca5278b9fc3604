import type { Hex } from 'viem'
import type { SessionGrant } from './sessionGrant.ts'

/** A stored session: the grant, and optionally the session signer's private key. */
export type StoredSession = { grant: SessionGrant; privateKey?: Hex | undefined }

/**
 * Where a session holder keeps its sessions. Implement it for your storage (a database, a keychain);
 * {@link MemorySessionStore} and `FileSessionStore` (from '@latchkey/sdk/file-store') are provided.
 */
export interface SessionStore {
  save(entry: StoredSession): Promise<void>
  /** By digest; undefined when absent. */
  load(digest: Hex): Promise<StoredSession | undefined>
  list(): Promise<StoredSession[]>
  remove(digest: Hex): Promise<void>
}

/** Sessions in memory, for tests and short-lived processes. */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, StoredSession>()

  async save(entry: StoredSession) {
    this.entries.set(entry.grant.digest.toLowerCase(), entry)
  }

  async load(digest: Hex) {
    return this.entries.get(digest.toLowerCase())
  }

  async list() {
    return [...this.entries.values()]
  }

  async remove(digest: Hex) {
    this.entries.delete(digest.toLowerCase())
  }
}
