/**
 * One automation worker as a process: `node packages/automation/src/automationMain.ts --data-dir ./runner
 * --rpc-url … --bundler-url … [--database-url postgres://… --concurrency 4] [--poll-ms 500]`. Several may
 * share a data directory's SQLite database, or one PostgreSQL database (pg-boss spreads the work). Logs are JSON lines on stdout; the first says it started.
 */
import { parseArgs } from 'node:util'
import { createAutomation } from './automation.ts'
import type { AutomationTestFault } from './runs/executeRun.ts'

const TEST_FAULTS: readonly AutomationTestFault[] = ['crash-after-record', 'crash-after-send']

export async function runAutomationWorker(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, 'rpc-url': { type: 'string' }, 'bundler-url': { type: 'string' }, 'database-url': { type: 'string' }, 'poll-ms': { type: 'string' }, concurrency: { type: 'string' } },
  })
  const env = process.env
  const dataDir = values['data-dir'] ?? env.LATCHKEY_AUTOMATION_DATA_DIR
  const rpcUrl = values['rpc-url'] ?? env.LATCHKEY_AUTOMATION_RPC_URL
  const bundlerUrl = values['bundler-url'] ?? env.LATCHKEY_AUTOMATION_BUNDLER_URL
  if (!dataDir || !rpcUrl || !bundlerUrl) throw new Error('give --data-dir, --rpc-url and --bundler-url (or LATCHKEY_AUTOMATION_* variables)')
  const fault = env.LATCHKEY_AUTOMATION_TEST_FAULT as AutomationTestFault | undefined
  if (fault !== undefined && (!TEST_FAULTS.includes(fault) || env.LATCHKEY_AUTOMATION_ALLOW_TEST_FAULTS !== '1')) throw new Error('test faults are for tests only')
  const databaseUrl = values['database-url'] ?? env.LATCHKEY_AUTOMATION_DATABASE_URL
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency)
  const automation = await createAutomation({ dataDir, rpcUrl, bundlerUrl, databaseUrl, concurrency, testFault: fault })
  await automation.start(Number(values['poll-ms'] ?? 500))
  console.log(JSON.stringify({ event: 'started', pid: process.pid, dataDir, ...(fault ? { testFault: fault } : {}) }))
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void automation.close().then(() => process.exit(0)))
}

if (import.meta.url === `file://${process.argv[1]}`) await runAutomationWorker(process.argv.slice(2))
