/**
 * The automation runner's throughput on PostgreSQL (wall clock, this machine; worker processes, the devnet
 * and PostgreSQL on 2 cores): W worker processes (pg-boss, 4 passes at once each) are started on a fresh
 * database; then 12 subscription jobs are added, each due every second for 5 runs (60 runs), and the time
 * from the first job added to the last run landed gives runs per minute (5 s is the schedule's floor:
 * 720 per minute at most). Each run is a real userOp through Alto (signed,
 * recorded, sent, seen on chain). Measured with 1 and 3 workers; the jobs are due faster than they land, so
 * the figure is what the workers keep up with.
 */
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createAutomation, startWorkerProcess } from '@latchkey/automation'
import { createSession, erc20Policy, grantSessions, serializeSessionGrant } from '@latchkey/sdk'
import { BENCH_FEES, type MeasureTarget } from './ownerPaths.ts'
import { benchAccount } from './benchAccount.ts'
import type { Timing } from './offChainTimings.ts'

const JOBS = 12
const RUNS = 5

async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${name}`)
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Runs per minute with `workers` processes, on jobs of the account of `ownerByte`. */
async function runsPerMinute(target: MeasureTarget, serverUrl: string, workers: number, ownerByte: string): Promise<number> {
  const { bundler, account } = await benchAccount(target, ownerByte)
  const payee = privateKeyToAccount(generatePrivateKey()).address
  const keys = Array.from({ length: JOBS }, () => generatePrivateKey())
  const sessions = keys.map((key) => createSession({ signer: privateKeyToAccount(key).address, validFor: 3600, permissions: [erc20Policy({ token: target.contracts.demoToken, recipients: [payee], total: 1_000n })] }))
  const { grants } = await grantSessions(bundler, { fees: BENCH_FEES, account, manager: target.contracts.sessionKeyManager, sessions })
  const databaseUrl = await freshDatabase(serverUrl, `latchkey_bench_${workers}w`)
  const dirs = Array.from({ length: workers }, () => mkdtempSync(join(tmpdir(), 'latchkey-bench-automation-')))
  const reader = await createAutomation({ dataDir: dirs[0]!, rpcUrl: target.rpcUrl, bundlerUrl: target.bundlerUrl, databaseUrl, chain: target.chain })
  for (const dir of dirs.slice(1)) copyFileSync(join(dirs[0]!, 'runner.key'), join(dir, 'runner.key'))
  // The workers start first (their start-up is not the runner's throughput), then the jobs are added, all due at once.
  const processes = await Promise.all(dirs.map((dataDir) => startWorkerProcess({ dataDir, rpcUrl: target.rpcUrl, bundlerUrl: target.bundlerUrl, databaseUrl, pollMs: 500 })))
  try {
    const start = performance.now()
    for (const [i, grant] of grants.entries()) {
      const spec = { kind: 'schedule', everySeconds: 1, maxRuns: RUNS, action: { type: 'recurring-payment', token: target.contracts.demoToken, to: payee, amount: '1' }, grant: JSON.parse(serializeSessionGrant(grant)) }
      await reader.addJob(spec, keys[i]!)
    }
    const until = Date.now() + 300_000
    while ((await reader.listJobs()).some((job) => job.status !== 'done')) {
      const stuck = (await reader.listJobs()).find((job) => job.status === 'paused')
      if (stuck) throw new Error(`a job paused: ${stuck.reason}`)
      if (Date.now() > until) throw new Error('the runs did not all land within 5 minutes')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    return (JOBS * RUNS) / ((performance.now() - start) / 60_000)
  } finally {
    await Promise.all(processes.map((p) => p.stop()))
    await reader.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

export async function measureAutomationThroughput(target: MeasureTarget, serverUrl: string | undefined): Promise<Timing[]> {
  if (!serverUrl) {
    process.stdout.write('automation throughput: not measured (no PostgreSQL: set LATCHKEY_TEST_POSTGRES_URL)\n')
    return []
  }
  const figure = (workers: number, value: number): Timing => ({
    id: `automation/runs-per-minute-${workers}w`,
    title: `automation runs per minute, ${workers} worker process${workers > 1 ? 'es' : ''} on PostgreSQL (pg-boss, 4 passes each; ${JOBS} jobs × ${RUNS} runs, each a userOp through Alto)`,
    unit: 'per minute',
    median: value,
    min: value,
    max: value,
    runs: 1,
  })
  return [figure(1, await runsPerMinute(target, serverUrl, 1, 'c8')), figure(3, await runsPerMinute(target, serverUrl, 3, 'c9'))]
}
