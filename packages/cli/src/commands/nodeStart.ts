import { readFileSync } from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import type { Address } from 'viem'
import { addressList, httpUrl, integerBetween } from '../support/optionParsers.ts'

type NodeStartOptions = {
  config?: string
  identifier?: number
  dataDir?: string
  port?: number
  host?: string
  rpcUrl?: string
  databaseUrl?: string
  dkgClients?: Address[]
}

/** A node's config file must be readable JSON (an object) now, not when the node reads it after start-up began. */
function configFile(path: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InvalidArgumentError(code ? `cannot read it (${code})` : 'it is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidArgumentError('it is not a JSON object')
  return path
}

function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value)) throw new InvalidArgumentError('not a PostgreSQL URL (postgres://user:password@host/database)')
  return value
}

/** The node's own command line (packages/node's runSignerNode reads the same flags, the environment and the config file). */
function nodeArgv(options: NodeStartOptions): string[] {
  const flags: Record<string, string | undefined> = {
    config: options.config,
    identifier: options.identifier?.toString(),
    'data-dir': options.dataDir,
    port: options.port?.toString(),
    host: options.host,
    'rpc-url': options.rpcUrl,
    'database-url': options.databaseUrl,
    'dkg-clients': options.dkgClients?.join(','),
  }
  return Object.entries(flags).flatMap(([name, value]) => (value === undefined ? [] : [`--${name}`, value]))
}

/**
 * `latchkey node start`: one signer node. Every option may also come from a --config file or a
 * LATCHKEY_NODE_* variable, so none is required here; the node itself says which are missing.
 */
export function addNodeStartCommand(node: Command): void {
  node
    .command('start')
    .description('Run one signer node until Ctrl-C: HTTP API, JSON logs, SQLite in its data directory (or PostgreSQL).')
    .option('--config <file>', 'a JSON file with identifier, dataDir, port, host, rpcUrl, databaseUrl, dkgClients', configFile)
    .option('--identifier <n>', 'its FROST identifier, 1–255', integerBetween(1, 255, 'a FROST identifier'))
    .option('--data-dir <dir>', 'its database and node key')
    .option('--port <port>', 'its port (default: a free port)', integerBetween(0, 65_535, 'a TCP port (0 for a free one)'))
    .option('--host <host>', 'the address it listens on (default: 127.0.0.1)')
    .option('--rpc-url <url>', 'the chain it checks signing requests against (needed to sign)', httpUrl)
    .option('--database-url <url>', 'a PostgreSQL connection URL: its store there instead of SQLite', postgresUrl)
    .option('--dkg-clients <addresses>', 'comma-separated client addresses allowed to start a key generation (default: any)', addressList)
    .action(async (options: NodeStartOptions) => {
      // Loaded only when a node starts: the node's dependencies (fastify, SQLite) are not needed otherwise.
      const { runSignerNode } = await import('@latchkey/node')
      await runSignerNode(nodeArgv(options))
    })
}
