import type { Hex } from 'viem'
import type { ExecutionPermissionResponse } from './executionPermission.ts'

/** A permission the wallet granted: its ERC-7715 response (the context included) and the session's digest. */
export type GrantedPermissionRecord = { response: ExecutionPermissionResponse; digest: Hex; grantedAt: number }

/**
 * Where a Latchkey wallet keeps what it granted (a browser wallet: IndexedDB; a server: a database). Whether a
 * grant still holds is always read from the chain, never from here.
 */
export interface GrantedPermissionStore {
  save(record: GrantedPermissionRecord): Promise<void>
  list(): Promise<GrantedPermissionRecord[]>
}

/** Granted permissions in memory, for tests and short-lived wallets. */
export class MemoryGrantedPermissionStore implements GrantedPermissionStore {
  readonly #records: GrantedPermissionRecord[] = []

  async save(record: GrantedPermissionRecord) {
    this.#records.push(record)
  }

  async list() {
    return [...this.#records]
  }
}
