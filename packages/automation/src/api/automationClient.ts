import type { Hex, LocalAccount } from 'viem'
import { serializeSessionGrant, signNodeRequest, type SessionGrant } from '@latchkey/sdk'
import type { JobDetails, JobSummary } from './jobViews.ts'
import { sealSessionKey } from './sessionKeyEnvelope.ts'

/** The runner refused a request, or could not be reached: `error` is its code (invalid-spec, not-found, unauthenticated, …). */
export class AutomationApiError extends Error {
  override name = 'AutomationApiError'
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    /** For `invalid-spec`: the field the runner refused. */
    readonly field?: string,
  ) {
    super(`automation runner: ${error}${field ? ` (${field})` : ''}: ${reason}`)
  }
}

/** A job spec as `parseJobSpec` reads it; the grant may be a `SessionGrant` (it is serialized here). */
export type JobSpecInput = Record<string, unknown> & { grant: SessionGrant | Record<string, unknown> | string }

export type AutomationClientOptions = {
  /** The runner's API, e.g. http://127.0.0.1:8645. */
  url: string
  /** The client credential that signs every request; the jobs it adds are its own. */
  credential: LocalAccount
  /**
   * The runner's key (its `started` log line and `GET /identity` show it). Given, keys are sealed only to
   * it, and a runner answering with another is refused. Unset, the key `GET /identity` answers is trusted on
   * first use: whoever can answer for the URL then (plain HTTP on a network) could read the keys sealed.
   */
  runnerKey?: Hex | undefined
}

const isGrantObject = (grant: unknown): grant is SessionGrant => typeof grant === 'object' && grant !== null && !('format' in grant) && 'digest' in grant

/**
 * A client of a runner's API (`latchkey automation start`). Works in Node and in a browser: it signs each
 * request with the client credential and seals session keys to the runner, so a key never crosses the wire
 * in the clear.
 */
export function createAutomationClient(options: AutomationClientOptions) {
  const base = options.url.replace(/\/$/, '')
  let runnerKey: Hex | undefined

  async function call<T>(path: string, init?: { payload: Record<string, unknown> }): Promise<T> {
    let response: Response
    try {
      const body = init ? JSON.stringify({ ...init.payload, auth: await signNodeRequest(options.credential, await key(), path, init.payload) }) : undefined
      response = await fetch(`${base}${path}`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) } : { signal: AbortSignal.timeout(30_000) })
    } catch (error) {
      if (error instanceof AutomationApiError) throw error
      throw new AutomationApiError(0, 'unreachable', `${base}: ${(error as Error).message}`)
    }
    const json = (await response.json().catch(() => ({}))) as T & { error?: string; reason?: string; field?: string }
    if (!response.ok) throw new AutomationApiError(response.status, json.error ?? String(response.status), json.reason ?? response.statusText, json.field)
    return json
  }

  async function key(): Promise<Hex> {
    if (runnerKey) return runnerKey
    const answered = (await call<{ runnerKey: Hex }>('/identity')).runnerKey
    if (options.runnerKey && answered?.toLowerCase() !== options.runnerKey.toLowerCase()) {
      throw new AutomationApiError(0, 'wrong-runner', `${base} answers with the runner key ${answered}, not the ${options.runnerKey} given: nothing is sent to it`)
    }
    runnerKey = answered
    return runnerKey
  }

  return {
    identity: () => call<{ runnerKey: Hex; chainId: number }>('/identity'),
    /** Adds a job under the session of `spec.grant`, whose key is `sessionKey` (sealed to the runner here); returns its id. */
    async addJob(spec: JobSpecInput, sessionKey: Hex, id?: string): Promise<string> {
      let given: unknown
      try {
        given = typeof spec.grant === 'string' ? JSON.parse(spec.grant) : isGrantObject(spec.grant) ? JSON.parse(serializeSessionGrant(spec.grant)) : spec.grant
      } catch (error) {
        throw new AutomationApiError(0, 'invalid-spec', `the grant cannot be read (${(error as Error).message})`, 'grant')
      }
      if (typeof given !== 'object' || given === null) throw new AutomationApiError(0, 'invalid-spec', 'the grant is not an object', 'grant')
      // A grant file's own copy of the key never leaves: the key goes sealed, below.
      const { privateKey: _dropped, ...grant } = given as Record<string, unknown>
      const digest = (grant as { digest?: Hex }).digest
      if (typeof digest !== 'string') throw new AutomationApiError(0, 'invalid-spec', 'the grant has no digest', 'grant')
      const sealedKey = await sealSessionKey(sessionKey, { runnerKey: await key(), client: options.credential.address, session: digest })
      const payload = { spec: { ...spec, grant }, sealedKey, ...(id === undefined ? {} : { id }) }
      return (await call<{ id: string }>('/jobs/add', { payload })).id
    },
    listJobs: async () => (await call<{ jobs: JobSummary[] }>('/jobs/list', { payload: {} })).jobs,
    getJob: (id: string) => call<JobDetails>('/jobs/show', { payload: { id } }),
    pause: (id: string, reason?: string) => call<JobSummary>('/jobs/pause', { payload: reason === undefined ? { id } : { id, reason } }),
    resume: (id: string) => call<JobSummary>('/jobs/resume', { payload: { id } }),
    cancel: (id: string) => call<JobSummary>('/jobs/cancel', { payload: { id } }),
    /** The runner's Prometheus metrics, as text. */
    async metrics(): Promise<string> {
      const response = await fetch(`${base}/metrics`)
      return response.text()
    },
  }
}

export type AutomationClient = ReturnType<typeof createAutomationClient>
