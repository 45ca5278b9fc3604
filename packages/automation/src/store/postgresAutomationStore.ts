import pg from 'pg'
import type { AutomationStore, HistoryEntry, JobPatch, JobStatus, RunOp, RunPatch, StoredJob, StoredRun } from './automationStore.ts'

type RunRow = {
  id: number; job_id: string; slot: string | number; state: StoredRun['state']; nonce: string | null; user_op: string | null; user_op_hash: string | null; hashes: string
  from_block: string | null; tx_hash: string | null; gas_used: string | null; reason: string | null; created_at: string; updated_at: string
}
type JobRow = { id: string; spec: string; sealed_key: string; status: StoredJob['status']; reason: string | null; next_slot: string | number; not_before: string; failures: number; created_at: string; owner: string | null }

const toJob = (r: JobRow): StoredJob => ({ id: r.id, spec: r.spec, sealedKey: r.sealed_key, status: r.status, reason: r.reason, nextSlot: Number(r.next_slot), notBefore: Number(r.not_before), failures: r.failures, createdAt: Number(r.created_at), owner: r.owner })
const toRun = (r: RunRow): StoredRun => ({
  id: r.id, jobId: r.job_id, slot: Number(r.slot), state: r.state, nonce: r.nonce, userOp: r.user_op, userOpHash: r.user_op_hash, hashes: r.hashes, fromBlock: r.from_block,
  txHash: r.tx_hash, gasUsed: r.gas_used, reason: r.reason, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
})

const JOB_COLUMNS: Record<keyof JobPatch, string> = { status: 'status', reason: 'reason', nextSlot: 'next_slot', notBefore: 'not_before', failures: 'failures' }
const RUN_COLUMNS: Record<keyof RunPatch, string> = { state: 'state', txHash: 'tx_hash', gasUsed: 'gas_used', reason: 'reason' }

/**
 * The runner's store in PostgreSQL, for several worker processes (or machines) on one database: the same
 * tables and the same conditional updates as SQLite, each statement committed when it returns.
 */
export class PostgresAutomationStore implements AutomationStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async connect(url: string): Promise<PostgresAutomationStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 })
    await pool.query(`
      CREATE TABLE IF NOT EXISTS latchkey_jobs (
        id TEXT PRIMARY KEY, spec TEXT NOT NULL, sealed_key TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
        next_slot BIGINT NOT NULL, not_before BIGINT NOT NULL, failures INTEGER NOT NULL, created_at BIGINT NOT NULL, owner TEXT);
      CREATE TABLE IF NOT EXISTS latchkey_runs (
        id SERIAL PRIMARY KEY, job_id TEXT NOT NULL, slot BIGINT NOT NULL, state TEXT NOT NULL,
        nonce TEXT, user_op TEXT, user_op_hash TEXT, hashes TEXT NOT NULL DEFAULT '[]', from_block TEXT, tx_hash TEXT, gas_used TEXT, reason TEXT,
        created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (job_id, slot));
      CREATE TABLE IF NOT EXISTS latchkey_history (
        id SERIAL PRIMARY KEY, job_id TEXT NOT NULL, run_id INTEGER, at BIGINT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS latchkey_history_job ON latchkey_history (job_id, id);
      CREATE TABLE IF NOT EXISTS latchkey_api_requests (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
    `).catch(async (error: unknown) => {
      // Two processes creating the tables at once: one wins, the other finds them there.
      if (!/already exists|duplicate key/.test(String(error))) throw error
    })
    return new PostgresAutomationStore(pool)
  }

  async #rows<Row extends object>(text: string, values: unknown[] = []) {
    return (await this.pool.query<Row>(text, values)).rows
  }

  async addJob(job: StoredJob) {
    await this.pool.query(
      'INSERT INTO latchkey_jobs (id, spec, sealed_key, status, reason, next_slot, not_before, failures, created_at, owner) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [job.id, job.spec, job.sealedKey, job.status, job.reason, job.nextSlot, job.notBefore, job.failures, job.createdAt, job.owner],
    )
  }

  async getJob(id: string) {
    const [row] = await this.#rows<JobRow>('SELECT * FROM latchkey_jobs WHERE id = $1', [id])
    return row && toJob(row)
  }

  async listJobs() {
    return (await this.#rows<JobRow>('SELECT * FROM latchkey_jobs ORDER BY created_at, id')).map(toJob)
  }

  async dueJobs(now: number) {
    return (await this.#rows<JobRow>("SELECT * FROM latchkey_jobs WHERE status = 'active' AND not_before <= $1 ORDER BY not_before, id", [now])).map(toJob)
  }

  async updateJob(id: string, patch: JobPatch, from?: readonly JobStatus[]) {
    const keys = Object.keys(patch) as (keyof JobPatch)[]
    if (keys.length === 0) return true
    const only = from ? ` AND status = ANY($${keys.length + 2})` : ''
    const sql = `UPDATE latchkey_jobs SET ${keys.map((k, i) => `${JOB_COLUMNS[k]} = $${i + 1}`).join(', ')} WHERE id = $${keys.length + 1}${only}`
    const result = await this.pool.query(sql, [...keys.map((k) => patch[k] ?? null), id, ...(from ? [from] : [])])
    return result.rowCount === 1
  }

  async countJobs() {
    const counts: Record<JobStatus, number> = { active: 0, paused: 0, cancelled: 0, done: 0 }
    for (const row of await this.#rows<{ status: JobStatus; n: string }>('SELECT status, COUNT(*) AS n FROM latchkey_jobs GROUP BY status')) counts[row.status] = Number(row.n)
    return counts
  }

  async claimRun(jobId: string, slot: number, now: number) {
    await this.pool.query("INSERT INTO latchkey_runs (job_id, slot, state, created_at, updated_at) VALUES ($1, $2, 'claimed', $3, $3) ON CONFLICT (job_id, slot) DO NOTHING", [jobId, slot, now])
    return toRun((await this.#rows<RunRow>('SELECT * FROM latchkey_runs WHERE job_id = $1 AND slot = $2', [jobId, slot]))[0]!)
  }

  async openRun(jobId: string) {
    const [row] = await this.#rows<RunRow>("SELECT * FROM latchkey_runs WHERE job_id = $1 AND state IN ('claimed', 'signed', 'sent') ORDER BY slot LIMIT 1", [jobId])
    return row && toRun(row)
  }

  async getRun(id: number) {
    const [row] = await this.#rows<RunRow>('SELECT * FROM latchkey_runs WHERE id = $1', [id])
    return row && toRun(row)
  }

  async setRunOp(id: number, op: RunOp, now: number) {
    const result = await this.pool.query(
      `UPDATE latchkey_runs SET nonce = $1, user_op = $2, user_op_hash = $3, hashes = (hashes::jsonb || to_jsonb($3::text))::text,
         from_block = COALESCE(from_block, $4), state = 'signed', updated_at = $5 WHERE id = $6 AND user_op IS NULL`,
      [op.nonce, op.userOp, op.userOpHash, op.fromBlock, now, id],
    )
    return result.rowCount === 1
  }

  async clearRunOp(id: number, reason: string, forgetNonce: boolean, now: number) {
    const forget = forgetNonce ? ", nonce = NULL, hashes = '[]', from_block = NULL" : ''
    await this.pool.query(`UPDATE latchkey_runs SET user_op = NULL, user_op_hash = NULL${forget}, state = 'claimed', reason = $1, updated_at = $2 WHERE id = $3 AND state IN ('signed', 'sent')`, [reason, now, id])
  }

  async moveRun(id: number, from: readonly StoredRun['state'][], patch: RunPatch & { state: StoredRun['state'] }, now: number) {
    const keys = Object.keys(patch) as (keyof RunPatch)[]
    const sets = [...keys.map((k, i) => `${RUN_COLUMNS[k]} = $${i + 1}`), `updated_at = $${keys.length + 1}`].join(', ')
    const result = await this.pool.query(`UPDATE latchkey_runs SET ${sets} WHERE id = $${keys.length + 2} AND state = ANY($${keys.length + 3})`, [...keys.map((k) => patch[k] ?? null), now, id, from])
    return result.rowCount === 1
  }

  async runs(jobId: string) {
    return (await this.#rows<RunRow>('SELECT * FROM latchkey_runs WHERE job_id = $1 ORDER BY slot', [jobId])).map(toRun)
  }

  async addHistory(entry: HistoryEntry) {
    await this.pool.query('INSERT INTO latchkey_history (job_id, run_id, at, event, detail) VALUES ($1, $2, $3, $4, $5)', [entry.jobId, entry.runId, entry.at, entry.event, entry.detail])
  }

  async history(jobId: string) {
    const rows = await this.#rows<{ job_id: string; run_id: number | null; at: string; event: string; detail: string }>('SELECT job_id, run_id, at, event, detail FROM latchkey_history WHERE job_id = $1 ORDER BY id', [jobId])
    return rows.map((r) => ({ jobId: r.job_id, runId: r.run_id, at: Number(r.at), event: r.event, detail: r.detail }))
  }

  async rememberRequest(nonce: string, expiresAt: number) {
    await this.pool.query('DELETE FROM latchkey_api_requests WHERE expires_at < $1', [Math.floor(Date.now() / 1000)])
    const result = await this.pool.query('INSERT INTO latchkey_api_requests (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING', [nonce, expiresAt])
    return result.rowCount === 1
  }

  async close() {
    await this.pool.end()
  }
}
