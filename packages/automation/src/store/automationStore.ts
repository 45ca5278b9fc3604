/**
 * What the runner keeps: jobs, their runs and their history. Writes are durable when they return (a worker
 * killed right after cannot lose them). Runs are unique per (job, slot): two workers claiming one slot get
 * the same run.
 */

export type JobStatus = 'active' | 'paused' | 'cancelled' | 'done'

export type StoredJob = {
  id: string
  /** The spec as JSON (the grant serialized, no key in it). */
  spec: string
  /** The session key, sealed with the runner's at-rest key. */
  sealedKey: string
  status: JobStatus
  /** Why the job is paused, cancelled or done, or why it waits. */
  reason: string | null
  /** The schedule slot the next run is for. */
  nextSlot: number
  /** Seconds: not worked on before (a backoff, or the next period of a spent limit). */
  notBefore: number
  /** Failures in a row (for the backoff). */
  failures: number
  createdAt: number
  /** The API client (its credential's address) that added the job; null for a job added in-process. Only it sees the job over the API. */
  owner: string | null
}

/**
 * A run's states: `claimed` (recorded, nothing signed), `signed` (its op and nonce recorded, maybe sent),
 * `sent` (the bundler took it), and the final ones: `landed` (its op is on chain, calls done), `reverted`
 * (on chain, its calls reverted: nothing paid), `failed` (never sent, or its nonce taken by an op not its own).
 */
export type RunState = 'claimed' | 'signed' | 'sent' | 'landed' | 'reverted' | 'failed'
export const FINAL_RUN_STATES: readonly RunState[] = ['landed', 'reverted', 'failed']
export const OPEN_RUN_STATES: readonly RunState[] = ['claimed', 'signed', 'sent']

export type StoredRun = {
  id: number
  jobId: string
  slot: number
  state: RunState
  /** The EntryPoint nonce this run's op uses (decimal): every attempt of the run uses it, so at most one lands. */
  nonce: string | null
  /** The signed op, as the bundler RPC takes it (JSON). */
  userOp: string | null
  userOpHash: string | null
  /** Every op hash this run has signed at its nonce (JSON list): whichever of them lands, the run landed. */
  hashes: string
  /** The block to search from for its UserOperationEvent (decimal). */
  fromBlock: string | null
  txHash: string | null
  gasUsed: string | null
  reason: string | null
  createdAt: number
  updatedAt: number
}

export type HistoryEntry = { jobId: string; runId: number | null; at: number; event: string; detail: string }

export type JobPatch = Partial<Pick<StoredJob, 'status' | 'reason' | 'nextSlot' | 'notBefore' | 'failures'>>
export type RunPatch = Partial<Pick<StoredRun, 'state' | 'txHash' | 'gasUsed' | 'reason'>>
export type RunOp = { nonce: string; userOp: string; userOpHash: string; fromBlock: string }

export interface AutomationStore {
  addJob(job: StoredJob): Promise<void>
  getJob(id: string): Promise<StoredJob | undefined>
  listJobs(): Promise<StoredJob[]>
  /** Active jobs whose `notBefore` has come. */
  dueJobs(now: number): Promise<StoredJob[]>
  /**
   * Changes the job; with `from`, only if its status is one of them (false: it was not, nothing changed), so
   * that no worker or owner takes a job out of a status another has just set (a cancelled job stays so).
   */
  updateJob(id: string, patch: JobPatch, from?: readonly JobStatus[]): Promise<boolean>
  /** How many jobs there are of each status. */
  countJobs(): Promise<Record<JobStatus, number>>
  /** The run of `slot`, recorded now if it was not. */
  claimRun(jobId: string, slot: number, now: number): Promise<StoredRun>
  /** The job's run that is not final, if any (at most one: a job's runs go one at a time). */
  openRun(jobId: string): Promise<StoredRun | undefined>
  getRun(id: number): Promise<StoredRun | undefined>
  /** Records the run's op, only if it has none (false: another worker recorded one first; read it back). */
  setRunOp(id: number, op: RunOp, now: number): Promise<boolean>
  /**
   * Forgets the run's op so that a new one is signed: at the same nonce (`forgetNonce` false: the op can no
   * longer land as it is, and any earlier attempt still counts if it lands), or at a new one (`forgetNonce`
   * true: another op took the nonce, so none of the run's attempts can land). Only a run still signed or
   * sent is changed.
   */
  clearRunOp(id: number, reason: string, forgetNonce: boolean, now: number): Promise<void>
  /**
   * Moves the run to `patch.state` only if it is in one of `from` (false: another worker moved it first), so
   * that no worker ever takes a run back from where another left it.
   */
  moveRun(id: number, from: readonly RunState[], patch: RunPatch & { state: RunState }, now: number): Promise<boolean>
  runs(jobId: string): Promise<StoredRun[]>
  addHistory(entry: HistoryEntry): Promise<void>
  history(jobId: string): Promise<HistoryEntry[]>
  /** Remembers an API request's nonce until it expires: false if it was seen (a replay). */
  rememberRequest(nonce: string, expiresAt: number): Promise<boolean>
  close(): Promise<void>
}
