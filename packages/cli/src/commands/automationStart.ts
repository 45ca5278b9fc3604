import type { Command } from 'commander'
import type { Address } from 'viem'
import { addressList, httpUrl, integerBetween } from '../support/optionParsers.ts'

type AutomationStartOptions = {
  dataDir: string
  rpcUrl: string
  bundlerUrl: string
  databaseUrl?: string
  host?: string
  port: number
  clients?: Address[]
  signerNodes?: string[]
  concurrency?: number
  pollMs?: number
}

/** The default port of a runner's API (and its /metrics). */
export const AUTOMATION_PORT = 8645

/** The worker's own command line (packages/automation's runAutomationWorker reads the same flags). */
function workerArgv(options: AutomationStartOptions): string[] {
  const flags: Record<string, string | undefined> = {
    'data-dir': options.dataDir,
    'rpc-url': options.rpcUrl,
    'bundler-url': options.bundlerUrl,
    'database-url': options.databaseUrl,
    host: options.host,
    port: String(options.port),
    clients: options.clients?.join(','),
    'signer-nodes': options.signerNodes?.join(','),
    concurrency: options.concurrency?.toString(),
    'poll-ms': options.pollMs?.toString(),
  }
  return Object.entries(flags).flatMap(([name, value]) => (value === undefined ? [] : [`--${name}`, value]))
}

/** `latchkey automation start`: a runner (workers and its HTTP API) until Ctrl-C. */
export function addAutomationStartCommand(automation: Command): void {
  automation
    .command('start')
    .description('Run an automation runner until Ctrl-C: its jobs, its HTTP API and /metrics, JSON logs; SQLite in its data directory (or PostgreSQL with pg-boss).')
    .requiredOption('--data-dir <dir>', 'its database, at-rest key and identity')
    .requiredOption('--rpc-url <url>', 'the chain', httpUrl)
    .requiredOption('--bundler-url <url>', 'an ERC-4337 bundler for EntryPoint v0.7 on that chain', httpUrl)
    .option('--database-url <url>', 'a PostgreSQL connection URL: jobs there, passes spread over every runner on it (pg-boss)')
    .option('--host <host>', 'the address the API listens on (default: 127.0.0.1)')
    .option('--port <port>', `the API's port (0: a free one)`, integerBetween(0, 65_535, 'a TCP port (0 for a free one)'), AUTOMATION_PORT)
    .option('--clients <addresses>', 'comma-separated client addresses allowed to add jobs (default: any client that signs; a WARNING line says so)', addressList)
    .option('--signer-nodes <urls>', 'comma-separated signer node URLs that jobs added over the API may be signed by (default: none, no signer-network job over the API)', (value: string) => value.split(',').map((u) => httpUrl(u.trim())))
    .option('--concurrency <n>', 'jobs worked on at once (default 4)', integerBetween(1, 64, 'a number of jobs'))
    .option('--poll-ms <ms>', 'how often it looks for due jobs (default 500)', integerBetween(50, 3_600_000, 'milliseconds'))
    .action(async (options: AutomationStartOptions) => {
      // Loaded only when a runner starts: its dependencies (fastify, SQLite, pg-boss) are not needed otherwise.
      const { runAutomationWorker } = await import('@latchkey/automation')
      await runAutomationWorker(workerArgv(options))
    })
}
