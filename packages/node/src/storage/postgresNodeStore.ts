import pg from 'pg'
import type { NodeStore, StoredKey, StoredReservation } from './nodeStore.ts'

/**
 * The node's store in PostgreSQL, for a node given a connection URL. The same tables as SQLite; every write
 * is committed (and so durable, with PostgreSQL's defaults) when it returns.
 */
export class PostgresNodeStore implements NodeStore {
  readonly #pool: pg.Pool

  private constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  static async connect(url: string): Promise<PostgresNodeStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    await pool.query(`
      CREATE TABLE IF NOT EXISTS sealed (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS keys (
        group_public_key TEXT PRIMARY KEY, identifier TEXT NOT NULL, min INTEGER NOT NULL, max INTEGER NOT NULL,
        sealed_package TEXT NOT NULL, client TEXT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS used_nonces (id TEXT PRIMARY KEY, used_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS requests (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS reservations (
        sender TEXT NOT NULL, nonce TEXT NOT NULL, valid_until BIGINT NOT NULL, counters TEXT NOT NULL, PRIMARY KEY (sender, nonce));
    `)
    return new PostgresNodeStore(pool)
  }

  async getSealed(name: string) {
    const { rows } = await this.#pool.query<{ value: string }>('SELECT value FROM sealed WHERE name = $1', [name])
    return rows[0]?.value
  }

  async putSealed(name: string, value: string) {
    await this.#pool.query('INSERT INTO sealed (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value', [name, value])
  }

  async saveKey(key: StoredKey) {
    await this.#pool.query(
      'INSERT INTO keys (group_public_key, identifier, min, max, sealed_package, client, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [key.groupPublicKey, key.identifier, key.min, key.max, key.sealedPackage, key.client, key.createdAt],
    )
  }

  async getKey(groupPublicKey: string) {
    const { rows } = await this.#pool.query<{ group_public_key: string; identifier: string; min: number; max: number; sealed_package: string; client: string; created_at: string }>(
      'SELECT * FROM keys WHERE group_public_key = $1',
      [groupPublicKey],
    )
    const row = rows[0]
    if (!row) return undefined
    return { groupPublicKey: row.group_public_key, identifier: row.identifier, min: row.min, max: row.max, sealedPackage: row.sealed_package, client: row.client, createdAt: Number(row.created_at) }
  }

  async markNonceUsed(id: string) {
    const result = await this.#pool.query('INSERT INTO used_nonces (id, used_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [id, Math.floor(Date.now() / 1000)])
    return result.rowCount === 1
  }

  async rememberRequest(nonce: string, expiresAt: number) {
    await this.#pool.query('DELETE FROM requests WHERE expires_at < $1', [Math.floor(Date.now() / 1000)])
    const result = await this.#pool.query('INSERT INTO requests (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING', [nonce, expiresAt])
    return result.rowCount === 1
  }

  async saveReservation(r: StoredReservation) {
    await this.#pool.query(
      'INSERT INTO reservations (sender, nonce, valid_until, counters) VALUES ($1, $2, $3, $4) ON CONFLICT (sender, nonce) DO UPDATE SET valid_until = excluded.valid_until, counters = excluded.counters',
      [r.sender, r.nonce, r.validUntil, r.counters],
    )
  }

  async reservations(sender: string) {
    const { rows } = await this.#pool.query<{ sender: string; nonce: string; valid_until: string; counters: string }>('SELECT sender, nonce, valid_until, counters FROM reservations WHERE sender = $1', [sender])
    return rows.map((row) => ({ sender: row.sender, nonce: row.nonce, validUntil: Number(row.valid_until), counters: row.counters }))
  }

  async deleteReservations(sender: string, nonces: readonly string[]) {
    if (nonces.length > 0) await this.#pool.query('DELETE FROM reservations WHERE sender = $1 AND nonce = ANY($2)', [sender, nonces])
  }

  async close() {
    await this.#pool.end()
  }
}
