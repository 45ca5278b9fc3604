/**
 * One automation worker as a process: `node packages/automation/src/automationMain.ts --data-dir ./runner
 * --rpc-url … --bundler-url … [--database-url postgres://… --concurrency 4] [--poll-ms 500]
 * [--port 8645 --host 127.0.0.1 --clients 0x…,0x… --signer-nodes http://…,http://…]`. Several may share a data directory's SQLite database,
 * or one PostgreSQL database (pg-boss spreads the work). With --port it also serves the HTTP API and
 * /metrics (`latchkey automation start` does). Logs are JSON lines on stdout, one per job event; the first
 * says it started.
 */
import { parseArgs } from 'node:util'
import { isAddress, type Address } from 'viem'
import { startAutomationServer } from './api/automationServer.ts'
import { createAutomation } from './automation.ts'
import { jsonLinesToStdout } from './observe/observedStore.ts'
import type { AutomationTestFault } from './runs/executeRun.ts'

function clientList(value: string | undefined): Address[] | undefined {
  if (value === undefined || value === '') return undefined
  const list = value.split(',').map((a) => a.trim())
  const bad = list.find((a) => !isAddress(a, { strict: false }))
  if (bad !== undefined) throw new Error(`--clients: ${JSON.stringify(bad)} is not an address`)
  return list as Address[]
}

const TEST_FAULTS: readonly AutomationTestFault[] = ['crash-after-record', 'crash-after-send']

export async function runAutomationWorker(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'rpc-url': { type: 'string' },
      'bundler-url': { type: 'string' },
      'database-url': { type: 'string' },
      'poll-ms': { type: 'string' },
      concurrency: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      clients: { type: 'string' },
      'signer-nodes': { type: 'string' },
    },
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
  const port = values.port ?? env.LATCHKEY_AUTOMATION_PORT
  const clients = clientList(values.clients ?? env.LATCHKEY_AUTOMATION_CLIENTS)
  const signerNodes = (values['signer-nodes'] ?? env.LATCHKEY_AUTOMATION_SIGNER_NODES)?.split(',').map((u) => u.trim()).filter(Boolean)
  const automation = await createAutomation({ dataDir, rpcUrl, bundlerUrl, databaseUrl, concurrency, testFault: fault, log: jsonLinesToStdout, signerNodes })
  const server = port === undefined ? undefined : await startAutomationServer(automation, { host: values.host ?? env.LATCHKEY_AUTOMATION_HOST, port: Number(port), clients })
  await automation.start(Number(values['poll-ms'] ?? 500))
  console.log(JSON.stringify({ event: 'started', pid: process.pid, dataDir, ...(server ? { url: server.url, runnerKey: automation.runnerKey } : {}), ...(fault ? { testFault: fault } : {}) }))
  const close = async () => {
    await server?.close()
    await automation.close()
    process.exit(0)
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void close())
}

if (import.meta.url === `file://${process.argv[1]}`) await runAutomationWorker(process.argv.slice(2))
