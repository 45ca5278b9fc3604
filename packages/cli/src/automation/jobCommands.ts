import { readFileSync } from 'node:fs'
import type { Hex } from 'viem'
import { parseSessionGrant, SessionFormatError } from '@latchkey/sdk'
import { AutomationApiError, createAutomationClient, type AutomationClient, type JobDetails, type JobSummary } from '@latchkey/automation/client'
import { UsageError } from '../support/errors.ts'
import { keyFromEnv } from '../support/keyFromEnv.ts'
import { formatSessionTime, printJson, printLines } from '../support/output.ts'

export type JobsOptions = { url?: string; runnerKey?: string; clientKeyEnv: string; json?: boolean; spec?: string; grant?: string; sessionKeyEnv?: string; signerClientKeyEnv?: string; id?: string; reason?: string }

const DEFAULT_URL = 'http://127.0.0.1:8645'

function clientFor(options: JobsOptions, sendsKeys = false): AutomationClient {
  const credential = keyFromEnv(options.clientKeyEnv, '--client-key-env', 'your client credential (a private key)')
  const runnerKey = options.runnerKey ?? process.env.LATCHKEY_AUTOMATION_RUNNER_KEY
  if (runnerKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(runnerKey)) throw new UsageError('--runner-key: 32 bytes of hex (0x…), as the runner\'s started line shows it')
  if (sendsKeys && runnerKey === undefined) process.stderr.write('WARNING: no --runner-key: the key is sealed to whatever key the runner\'s URL answers with (trusted on first use)\n')
  return createAutomationClient({ url: options.url ?? process.env.LATCHKEY_AUTOMATION_URL ?? DEFAULT_URL, credential, runnerKey: runnerKey as Hex | undefined })
}

function readJson(path: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new UsageError(`the ${what} ${path} is not JSON`)
  }
}

/**
 * The spec with its grant, and the secret the runner keeps: for a signer-network job (the spec has a
 * `signer`), the client credential the nodes registered (--signer-client-key-env); otherwise the session key,
 * from --session-key-env or else the grant file.
 */
function specAndKey(options: JobsOptions): { spec: Record<string, unknown> & { grant: Record<string, unknown> }; key: Hex } {
  const spec = readJson(options.spec!, 'spec file')
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError(`the spec file ${options.spec} is not a JSON object`)
  const grantText = options.grant ? JSON.stringify(readJson(options.grant, 'grant file')) : JSON.stringify((spec as { grant?: unknown }).grant ?? null)
  let parsed: ReturnType<typeof parseSessionGrant>
  try {
    parsed = parseSessionGrant(grantText)
  } catch (error) {
    if (error instanceof SessionFormatError) throw new UsageError(`${options.grant ?? `${options.spec} (its grant)`}: ${error.shortMessage}`)
    throw error
  }
  const grant = JSON.parse(grantText) as Record<string, unknown>
  delete grant.privateKey
  const networkSigned = (spec as { signer?: unknown }).signer !== undefined
  if (networkSigned) {
    if (!options.signerClientKeyEnv) throw new UsageError('the spec is signed by a signer network: give --signer-client-key-env (the client credential the nodes registered)')
    return { spec: { ...(spec as Record<string, unknown>), grant }, key: keyFromEnv(options.signerClientKeyEnv, '--signer-client-key-env', 'the signer network client credential').privateKey }
  }
  const key = options.sessionKeyEnv ? keyFromEnv(options.sessionKeyEnv, '--session-key-env', 'the session key').privateKey : parsed.privateKey
  if (!key) throw new UsageError('the grant file holds no session key (privateKey): give --session-key-env')
  return { spec: { ...(spec as Record<string, unknown>), grant }, key }
}

/** The runner's refusals are the user's to fix (a spec field, a job id, the credential): exit 2 with the reason. */
async function asked<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof AutomationApiError && error.status >= 400 && error.status < 500) throw new UsageError(error.message)
    throw error
  }
}

const summaryLine = (j: JobSummary) =>
  `${j.id}  ${j.status.padEnd(9)} ${j.kind} ${j.action} ${j.cron !== null ? `at "${j.cron}" (UTC)` : `every ${j.everySeconds} s`}, session ${j.session.slice(0, 10)}…${j.reason ? `  (${j.reason})` : ''}`

export async function addJob(options: JobsOptions): Promise<void> {
  const { spec, key } = specAndKey(options)
  const id = await asked(clientFor(options, true).addJob(spec, key, options.id))
  if (options.json) printJson({ id })
  else printLines([`added job ${id}`])
}

export async function listJobs(options: JobsOptions): Promise<void> {
  const jobs = await asked(clientFor(options).listJobs())
  if (options.json) printJson(jobs)
  else printLines(jobs.length === 0 ? ['no jobs'] : jobs.map(summaryLine))
}

function detailLines(job: JobDetails): string[] {
  return [
    summaryLine(job),
    ...job.runs.map((r) => `  run ${r.slot}: ${r.state}${r.userOpHash ? ` op ${r.userOpHash}` : ''}${r.gasUsed ? `, ${r.gasUsed} gas` : ''}${r.reason ? ` (${r.reason})` : ''}`),
    ...job.history.map((h) => `  ${formatSessionTime(Math.floor(h.at / 1000))} ${h.event}: ${h.detail}`),
  ]
}

export async function showJob(id: string, options: JobsOptions): Promise<void> {
  const job = await asked(clientFor(options).getJob(id))
  if (options.json) printJson(job)
  else printLines(detailLines(job))
}

export async function changeJob(change: 'pause' | 'resume' | 'cancel', id: string, options: JobsOptions): Promise<void> {
  const client = clientFor(options)
  const job = await asked(change === 'pause' ? client.pause(id, options.reason) : client[change](id))
  if (options.json) printJson(job)
  else printLines([summaryLine(job)])
}
