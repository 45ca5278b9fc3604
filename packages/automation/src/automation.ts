import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, defineChain, hexToBigInt, http, keccak256, slice, stringToHex, type Address, type Chain, type Hex } from 'viem'
import { createBundlerClient } from 'viem/account-abstraction'
import { AtRestCipher } from '@latchkey/node'
import { resolveAccountLayout, serializeSessionGrant, toSessionAccount } from '@latchkey/sdk'
import { openSessionKey } from './api/sessionKeyEnvelope.ts'
import { loadOrCreateRunnerIdentity } from './api/runnerIdentity.ts'
import { JobSpecError, parseJobSpec, type JobSpec } from './jobs/jobSpec.ts'
import { checkJobSecret, jobSessionSigner } from './signing/jobSigner.ts'
import { describeSchedule, scheduleOf } from './jobs/schedule.ts'
import { AutomationMetrics } from './observe/automationMetrics.ts'
import { observedStore, type EventLogSink } from './observe/observedStore.ts'
import type { AutomationTestFault, RunContext } from './runs/executeRun.ts'
import type { AutomationStore, HistoryEntry, JobStatus, StoredJob, StoredRun } from './store/automationStore.ts'
import { PostgresAutomationStore } from './store/postgresAutomationStore.ts'
import { SqliteAutomationStore } from './store/sqliteAutomationStore.ts'
import { startPgBossDispatch } from './worker/pgBossDispatch.ts'
import { processJob, type LoadedJob } from './worker/processJob.ts'

export type AutomationConfig = {
  /** Where the database and the runner's at-rest key live. */
  dataDir: string
  rpcUrl: string
  bundlerUrl: string
  /** The chain; default: read from the RPC. */
  chain?: Chain | undefined
  /**
   * A PostgreSQL connection URL: the jobs live there (instead of SQLite in the data directory) and passes are
   * spread over every worker process on the database with pg-boss. The processes must share the at-rest key
   * (the same `runner.key` in each data directory) to open the session keys.
   */
  databaseUrl?: string | undefined
  /** How many jobs this process works on at once (default 4). */
  concurrency?: number | undefined
  /** How long a pass waits for a sent op to land before leaving it to the next pass. */
  landingTimeoutMs?: number | undefined
  /**
   * The signer nodes a job added over the API may name (base URLs): the runner calls a job's nodes, so a
   * client must not make it call anything else. Unset: the API takes no signer-network job. (A job added
   * in-process, by the operator's own code, is not limited.)
   */
  signerNodes?: readonly string[] | undefined
  /** Where every history event is also written as a structured log line (default: nowhere; the worker process: stdout). */
  log?: EventLogSink | undefined
  /** Tests only: where this process kills itself (see AutomationTestFault). */
  testFault?: AutomationTestFault | undefined
}

/** What a job id may be (it appears in URLs, logs and nonce keys). */
const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/

/** A job that does not exist, or cannot take the change asked (resume a cancelled job). Nothing changed. */
export class JobStateError extends Error {
  override name = 'JobStateError'
  constructor(
    readonly jobId: string,
    problem: string,
  ) {
    super(`Job ${jobId} ${problem}`)
  }
}

function baseUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '')
  } catch {
    return url
  }
}

/** A job from the API names only signer nodes on the operator's list (see `AutomationConfig.signerNodes`). */
function assertSignerNodesAllowed(spec: JobSpec, allowed: readonly string[] | undefined) {
  if (!spec.signer) return
  const list = new Set((allowed ?? []).map(baseUrl))
  spec.signer.nodes.forEach((node, i) => {
    if (!list.has(baseUrl(node.url))) throw new JobSpecError(`signer.nodes[${i}].url`, `${node.url} is not a signer node this runner may call (the operator's list, --signer-nodes)`)
  })
}

export type JobView = { job: StoredJob; spec: JobSpec; runs: StoredRun[]; history: HistoryEntry[] }

/** The spec as stored: as given, with the grant serialized (its key is never in it). */
const storedSpec = (spec: JobSpec) => {
  const signer = spec.signer && { type: spec.signer.type, groupPublicKey: spec.signer.groupPublicKey, threshold: spec.signer.threshold, nodes: spec.signer.nodes }
  return JSON.stringify({ ...spec, grant: JSON.parse(serializeSessionGrant(spec.grant)), signer }, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * The automation runner (issue 17): jobs sent under session keys, each run exactly once (docs/automation.md).
 * `addJob` checks a spec and seals its session key; `runDue` makes one pass over the jobs that are due;
 * `start` keeps passing until `stop`. Several runners (processes) may share one store.
 */
export async function createAutomation(config: AutomationConfig) {
  mkdirSync(config.dataDir, { recursive: true })
  const cipher = AtRestCipher.loadOrCreate(join(config.dataDir, 'runner.key'))
  const identity = loadOrCreateRunnerIdentity(config.dataDir, cipher)
  const rawStore: AutomationStore = config.databaseUrl ? await PostgresAutomationStore.connect(config.databaseUrl) : new SqliteAutomationStore(join(config.dataDir, 'automation.sqlite'))
  const workerId = `${hostname()}/${process.pid}`
  const metrics = new AutomationMetrics(rawStore)
  const store = observedStore(rawStore, metrics, config.log, workerId)
  const chain = config.chain ?? (await chainAt(config.rpcUrl))
  const client = createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: 200 })
  const bundler = createBundlerClient({ client, transport: http(config.bundlerUrl), pollingInterval: 200 })
  const context: RunContext = { store, chain: client, bundler, now: () => Math.floor(Date.now() / 1000), landingTimeoutMs: config.landingTimeoutMs, testFault: config.testFault, workerId }
  const loaded = new Map<string, LoadedJob>()

  async function load(job: StoredJob): Promise<LoadedJob> {
    const cached = loaded.get(job.id)
    if (cached) return { ...cached, job }
    const spec = parseJobSpec(JSON.parse(job.spec))
    const key = new TextDecoder().decode(cipher.open(job.sealedKey, `job/${job.id}`)) as Hex
    const layout = await resolveAccountLayout(client, spec.grant.account)
    // The job's own nonce sequence: its runs never wait on the holder's other ops, nor theirs on it.
    const nonceKey = layout.nonceKey(spec.grant.manager, hexToBigInt(slice(keccak256(stringToHex(`latchkey-job/${job.id}`)), 0, 4)))
    const account = await toSessionAccount({ client, grant: spec.grant, signer: jobSessionSigner(spec, key), nonceKey })
    const entry = { job, spec, account }
    loaded.set(job.id, entry)
    return entry
  }

  /** An owner's change of status, only from `from` (checked in the same statement that changes it). */
  async function changeStatus(id: string, patch: Parameters<AutomationStore['updateJob']>[1], from: readonly JobStatus[], event: string, detail: string) {
    if (!(await store.updateJob(id, patch, from))) {
      const job = await store.getJob(id)
      if (!job) throw new JobStateError(id, 'does not exist')
      throw new JobStateError(id, `is ${job.status}: it cannot be ${event} (add a new job)`)
    }
    await store.addHistory({ jobId: id, runId: null, at: Date.now(), event, detail })
  }

  let timer: NodeJS.Timeout | undefined
  let passing: Promise<void> | undefined
  let dispatch: { stop(): Promise<void> } | undefined
  // One pass per job at a time in this process (pg-boss keeps it so across processes).
  const inPass = new Set<string>()

  const automation = {
    store,
    metrics,
    chainId: chain.id,
    /** The runner's public key: API requests are signed for it, session keys sealed to it. */
    runnerKey: identity.runnerKey,
    /**
     * Checks `spec` and seals `secret`: the session key (it must be the session's signer), or for a job signed
     * by a signer network (`spec.signer`) the client credential the nodes registered. The job's first run is
     * due at its start. `owner`: the API client the job belongs to (only it sees the job over the API).
     */
    async addJob(input: unknown, secret: Hex, id = randomBytes(8).toString('hex'), owner?: Address): Promise<string> {
      const spec = parseJobSpec(input)
      // The cheap refusals first: checking the secret of a signer-network job asks a node.
      if (typeof id !== 'string' || !JOB_ID.test(id)) throw new JobSpecError('id', `${JSON.stringify(id)} is not a job id (1 to 64 letters, digits, _ or -)`)
      if (await store.getJob(id)) throw new JobSpecError('id', `a job ${id} exists already`)
      await checkJobSecret(spec, secret)
      const createdAt = Math.floor(Date.now() / 1000)
      const nextSlot = scheduleOf(spec, createdAt).first
      // The history first: a job is never stored without its 'added' entry (a failure between the two leaves a
      // line about a job that does not exist, never a running job its client was told was refused).
      await store.addHistory({ jobId: id, runId: null, at: Date.now(), event: 'added', detail: `${spec.kind === 'watch' ? 'watch, then ' : ''}${spec.action.type} ${describeSchedule(spec)} under session ${spec.grant.digest}${owner ? `, for client ${owner}` : ''}` })
      await store.addJob({ id, spec: storedSpec(spec), sealedKey: cipher.seal(new TextEncoder().encode(secret), `job/${id}`), status: 'active', reason: null, nextSlot, notBefore: 0, failures: 0, createdAt, owner: owner ?? null })
      return id
    },
    /** As `addJob`, with the secret sealed to this runner by `client` (an API request), who then owns the job. */
    async addSealedJob(input: unknown, sealedKey: unknown, client: Address, id?: string): Promise<string> {
      const spec = parseJobSpec(input)
      assertSignerNodesAllowed(spec, config.signerNodes)
      const secret = await openSessionKey(sealedKey, identity.secret, { runnerKey: identity.runnerKey, client, session: spec.grant.digest })
      return automation.addJob(input, secret, id, client)
    },
    async getJob(id: string): Promise<JobView | undefined> {
      const job = await store.getJob(id)
      if (!job) return undefined
      return { job, spec: parseJobSpec(JSON.parse(job.spec)), runs: await store.runs(id), history: await store.history(id) }
    },
    listJobs: () => store.listJobs(),
    /** Pauses an active (or paused) job; a cancelled or finished one is refused (JobStateError), unchanged. */
    async pause(id: string, reason = 'paused by its owner') {
      await changeStatus(id, { status: 'paused', reason }, ['active', 'paused'], 'paused', reason)
    },
    /** Resumes a paused (or active) job, its failures and backoff forgotten; a cancelled or finished one is refused. */
    async resume(id: string) {
      await changeStatus(id, { status: 'active', reason: null, failures: 0, notBefore: 0 }, ['paused', 'active'], 'resumed', 'resumed by its owner')
    },
    /** Cancels a job for good (a run already sent may still land); one cancelled already is refused. */
    async cancel(id: string) {
      await changeStatus(id, { status: 'cancelled', reason: 'cancelled by its owner' }, ['active', 'paused', 'done'], 'cancelled', 'cancelled by its owner (a run already sent may still land)')
    },
    /** One pass over job `id`, if it is active and due (and not in a pass of this process already). */
    async runJob(id: string): Promise<void> {
      const job = await store.getJob(id)
      if (!job || job.status !== 'active' || job.notBefore > context.now() || inPass.has(id)) return
      inPass.add(id)
      try {
        await metrics.timePass(async () => processJob(context, await load(job)))
      } finally {
        inPass.delete(id)
      }
    },
    /** One pass over every due job, `concurrency` jobs at a time (each job's own runs stay one at a time). */
    async runDue(): Promise<void> {
      const due = await store.dueJobs(context.now())
      let next = 0
      const lane = async () => {
        while (next < due.length) await automation.runJob(due[next++]!.id)
      }
      await Promise.all(Array.from({ length: Math.min(config.concurrency ?? 4, due.length) }, lane))
    },
    /** Passes every `pollMs` until `stop`: over every due job in turn (SQLite), or as pg-boss hands them out (PostgreSQL). */
    async start(pollMs = 500) {
      if (config.databaseUrl) {
        dispatch = await startPgBossDispatch({ databaseUrl: config.databaseUrl, store, runJob: automation.runJob, now: context.now, pollMs, concurrency: config.concurrency ?? 4 })
        return
      }
      const tick = () => {
        passing = automation.runDue().catch((error: unknown) => console.error(JSON.stringify({ event: 'pass-failed', error: String(error) })))
        void passing.finally(() => {
          if (timer !== undefined) timer = setTimeout(tick, pollMs)
        })
      }
      timer = setTimeout(tick, 0)
    },
    async stop() {
      await dispatch?.stop()
      dispatch = undefined
      clearTimeout(timer)
      timer = undefined
      await passing
    },
    async close() {
      await automation.stop()
      await store.close()
    },
  }
  return automation
}

export type Automation = Awaited<ReturnType<typeof createAutomation>>

async function chainAt(rpcUrl: string): Promise<Chain> {
  const id = Number(await createPublicClient({ transport: http(rpcUrl) }).request({ method: 'eth_chainId' }))
  return defineChain({ id, name: `chain ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
}
