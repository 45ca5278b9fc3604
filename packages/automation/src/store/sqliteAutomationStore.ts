import Database from 'better-sqlite3'
import type { AutomationStore, HistoryEntry, JobPatch, JobStatus, RunOp, RunPatch, StoredJob, StoredRun } from './automationStore.ts'

type RunRow = {
  id: number; job_id: string; slot: number; state: StoredRun['state']; nonce: string | null; user_op: string | null; user_op_hash: string | null; hashes: string
  from_block: string | null; tx_hash: string | null; gas_used: string | null; reason: string | null; created_at: number; updated_at: number
}
type JobRow = { id: string; spec: string; sealed_key: string; status: StoredJob['status']; reason: string | null; next_slot: number; not_before: number; failures: number; created_at: number; owner: string | null }

const toJob = (r: JobRow): StoredJob => ({ id: r.id, spec: r.spec, sealedKey: r.sealed_key, status: r.status, reason: r.reason, nextSlot: r.next_slot, notBefore: r.not_before, failures: r.failures, createdAt: r.created_at, owner: r.owner })
const toRun = (r: RunRow): StoredRun => ({
  id: r.id, jobId: r.job_id, slot: r.slot, state: r.state, nonce: r.nonce, userOp: r.user_op, userOpHash: r.user_op_hash, hashes: r.hashes, fromBlock: r.from_block,
  txHash: r.tx_hash, gasUsed: r.gas_used, reason: r.reason, createdAt: r.created_at, updatedAt: r.updated_at,
})

const JOB_COLUMNS: Record<keyof JobPatch, string> = { status: 'status', reason: 'reason', nextSlot: 'next_slot', notBefore: 'not_before', failures: 'failures' }
const RUN_COLUMNS: Record<keyof RunPatch, string> = { state: 'state', txHash: 'tx_hash', gasUsed: 'gas_used', reason: 'reason' }

/**
 * The runner's store in an embedded SQLite file, the default (no server to start): WAL, synchronous FULL,
 * so a write is on disk when it returns; several worker processes may share the file (SQLite's locks).
 */
export class SqliteAutomationStore implements AutomationStore {
  readonly #db: Database.Database

  constructor(path: string) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = FULL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, spec TEXT NOT NULL, sealed_key TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
        next_slot INTEGER NOT NULL, not_before INTEGER NOT NULL, failures INTEGER NOT NULL, created_at INTEGER NOT NULL, owner TEXT);
      CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, slot INTEGER NOT NULL, state TEXT NOT NULL,
        nonce TEXT, user_op TEXT, user_op_hash TEXT, hashes TEXT NOT NULL DEFAULT '[]', from_block TEXT, tx_hash TEXT, gas_used TEXT, reason TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (job_id, slot));
      CREATE TABLE IF NOT EXISTS history (
        id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, run_id INTEGER, at INTEGER NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS history_job ON history (job_id, id);
      CREATE TABLE IF NOT EXISTS requests (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    `)
  }

  async addJob(job: StoredJob) {
    this.#db
      .prepare('INSERT INTO jobs (id, spec, sealed_key, status, reason, next_slot, not_before, failures, created_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.spec, job.sealedKey, job.status, job.reason, job.nextSlot, job.notBefore, job.failures, job.createdAt, job.owner)
  }

  async getJob(id: string) {
    const row = this.#db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined
    return row && toJob(row)
  }

  async listJobs() {
    return (this.#db.prepare('SELECT * FROM jobs ORDER BY created_at, id').all() as JobRow[]).map(toJob)
  }

  async dueJobs(now: number) {
    return (this.#db.prepare("SELECT * FROM jobs WHERE status = 'active' AND not_before <= ? ORDER BY not_before, id").all(now) as JobRow[]).map(toJob)
  }

  async updateJob(id: string, patch: JobPatch, from?: readonly JobStatus[]) {
    const keys = Object.keys(patch) as (keyof JobPatch)[]
    if (keys.length === 0) return true
    const only = from ? ` AND status IN (${from.map(() => '?').join(', ')})` : ''
    const sql = `UPDATE jobs SET ${keys.map((k) => `${JOB_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?${only}`
    return this.#db.prepare(sql).run(...keys.map((k) => patch[k] ?? null), id, ...(from ?? [])).changes === 1
  }

  async countJobs() {
    const counts: Record<JobStatus, number> = { active: 0, paused: 0, cancelled: 0, done: 0 }
    for (const row of this.#db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: JobStatus; n: number }[]) counts[row.status] = row.n
    return counts
  }

  async claimRun(jobId: string, slot: number, now: number) {
    this.#db.prepare("INSERT OR IGNORE INTO runs (job_id, slot, state, created_at, updated_at) VALUES (?, ?, 'claimed', ?, ?)").run(jobId, slot, now, now)
    return toRun(this.#db.prepare('SELECT * FROM runs WHERE job_id = ? AND slot = ?').get(jobId, slot) as RunRow)
  }

  async openRun(jobId: string) {
    const row = this.#db.prepare("SELECT * FROM runs WHERE job_id = ? AND state IN ('claimed', 'signed', 'sent') ORDER BY slot LIMIT 1").get(jobId) as RunRow | undefined
    return row && toRun(row)
  }

  async getRun(id: number) {
    const row = this.#db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    return row && toRun(row)
  }

  async setRunOp(id: number, op: RunOp, now: number) {
    return (
      this.#db
        .prepare(
          "UPDATE runs SET nonce = ?, user_op = ?, user_op_hash = ?, hashes = json_insert(hashes, '$[#]', ?), from_block = COALESCE(from_block, ?), state = 'signed', updated_at = ? WHERE id = ? AND user_op IS NULL",
        )
        .run(op.nonce, op.userOp, op.userOpHash, op.userOpHash, op.fromBlock, now, id).changes === 1
    )
  }

  async clearRunOp(id: number, reason: string, forgetNonce: boolean, now: number) {
    const forget = forgetNonce ? ", nonce = NULL, hashes = '[]', from_block = NULL" : ''
    // Only from an open state: a run another worker finished stays finished.
    this.#db.prepare(`UPDATE runs SET user_op = NULL, user_op_hash = NULL${forget}, state = 'claimed', reason = ?, updated_at = ? WHERE id = ? AND state IN ('signed', 'sent')`).run(reason, now, id)
  }

  async moveRun(id: number, from: readonly StoredRun['state'][], patch: RunPatch & { state: StoredRun['state'] }, now: number) {
    const keys = Object.keys(patch) as (keyof RunPatch)[]
    const sets = [...keys.map((k) => `${RUN_COLUMNS[k]} = ?`), 'updated_at = ?'].join(', ')
    const states = from.map(() => '?').join(', ')
    return this.#db.prepare(`UPDATE runs SET ${sets} WHERE id = ? AND state IN (${states})`).run(...keys.map((k) => patch[k] ?? null), now, id, ...from).changes === 1
  }

  async runs(jobId: string) {
    return (this.#db.prepare('SELECT * FROM runs WHERE job_id = ? ORDER BY slot').all(jobId) as RunRow[]).map(toRun)
  }

  async addHistory(entry: HistoryEntry) {
    this.#db.prepare('INSERT INTO history (job_id, run_id, at, event, detail) VALUES (?, ?, ?, ?, ?)').run(entry.jobId, entry.runId, entry.at, entry.event, entry.detail)
  }

  async history(jobId: string) {
    const rows = this.#db.prepare('SELECT job_id, run_id, at, event, detail FROM history WHERE job_id = ? ORDER BY id').all(jobId) as { job_id: string; run_id: number | null; at: number; event: string; detail: string }[]
    return rows.map((r) => ({ jobId: r.job_id, runId: r.run_id, at: r.at, event: r.event, detail: r.detail }))
  }

  async rememberRequest(nonce: string, expiresAt: number) {
    this.#db.prepare('DELETE FROM requests WHERE expires_at < ?').run(Math.floor(Date.now() / 1000))
    return this.#db.prepare('INSERT OR IGNORE INTO requests (nonce, expires_at) VALUES (?, ?)').run(nonce, expiresAt).changes === 1
  }

  async close() {
    this.#db.close()
  }
}
