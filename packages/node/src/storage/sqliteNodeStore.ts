import Database from 'better-sqlite3'
import { GroupCommit } from './groupCommit.ts'
import type { NodeStore, StoredKey, StoredReservation } from './nodeStore.ts'

/**
 * The node's store in an embedded SQLite file (the default): WAL, and synchronous FULL so that a write is on
 * disk when it returns. The signing path's writes (request nonces, used nonces, reservations) are grouped:
 * those asked for together share one transaction and one sync ({@link GroupCommit}).
 */
export class SqliteNodeStore implements NodeStore {
  readonly #db: Database.Database
  readonly #grouped: GroupCommit

  constructor(path: string) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = FULL')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS sealed (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS keys (
        group_public_key TEXT PRIMARY KEY, identifier TEXT NOT NULL, min INTEGER NOT NULL, max INTEGER NOT NULL,
        sealed_package TEXT NOT NULL, client TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS used_nonces (id TEXT PRIMARY KEY, used_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS requests (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS reservations (
        sender TEXT NOT NULL, nonce TEXT NOT NULL, valid_until INTEGER NOT NULL, counters TEXT NOT NULL, PRIMARY KEY (sender, nonce));
    `)
    this.#grouped = new GroupCommit((work) => this.#db.transaction(work)())
  }

  async getSealed(name: string) {
    const row = this.#db.prepare('SELECT value FROM sealed WHERE name = ?').get(name) as { value: string } | undefined
    return row?.value
  }

  async putSealed(name: string, value: string) {
    this.#db.prepare('INSERT INTO sealed (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value').run(name, value)
  }

  async saveKey(key: StoredKey) {
    this.#db
      .prepare('INSERT INTO keys (group_public_key, identifier, min, max, sealed_package, client, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(key.groupPublicKey, key.identifier, key.min, key.max, key.sealedPackage, key.client, key.createdAt)
  }

  async getKey(groupPublicKey: string) {
    const row = this.#db.prepare('SELECT * FROM keys WHERE group_public_key = ?').get(groupPublicKey) as
      | { group_public_key: string; identifier: string; min: number; max: number; sealed_package: string; client: string; created_at: number }
      | undefined
    if (!row) return undefined
    return { groupPublicKey: row.group_public_key, identifier: row.identifier, min: row.min, max: row.max, sealedPackage: row.sealed_package, client: row.client, createdAt: row.created_at }
  }

  async markNonceUsed(id: string) {
    const insert = this.#db.prepare('INSERT OR IGNORE INTO used_nonces (id, used_at) VALUES (?, ?)')
    return this.#grouped.write(() => insert.run(id, Math.floor(Date.now() / 1000)).changes === 1)
  }

  async rememberRequest(nonce: string, expiresAt: number) {
    const sweep = this.#db.prepare('DELETE FROM requests WHERE expires_at < ?')
    const insert = this.#db.prepare('INSERT OR IGNORE INTO requests (nonce, expires_at) VALUES (?, ?)')
    return this.#grouped.write(() => {
      sweep.run(Math.floor(Date.now() / 1000))
      return insert.run(nonce, expiresAt).changes === 1
    })
  }

  async saveReservation(r: StoredReservation) {
    const upsert = this.#db.prepare(
      'INSERT INTO reservations (sender, nonce, valid_until, counters) VALUES (?, ?, ?, ?) ON CONFLICT(sender, nonce) DO UPDATE SET valid_until = excluded.valid_until, counters = excluded.counters',
    )
    await this.#grouped.write(() => upsert.run(r.sender, r.nonce, r.validUntil, r.counters))
  }

  async reservations(sender: string) {
    const rows = this.#db.prepare('SELECT sender, nonce, valid_until, counters FROM reservations WHERE sender = ?').all(sender) as { sender: string; nonce: string; valid_until: number; counters: string }[]
    return rows.map((row) => ({ sender: row.sender, nonce: row.nonce, validUntil: row.valid_until, counters: row.counters }))
  }

  async deleteReservations(sender: string, nonces: readonly string[]) {
    const remove = this.#db.prepare('DELETE FROM reservations WHERE sender = ? AND nonce = ?')
    this.#db.transaction(() => nonces.forEach((nonce) => remove.run(sender, nonce)))()
  }

  async close() {
    this.#db.close()
  }
}
