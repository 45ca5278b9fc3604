import { Command, InvalidArgumentError } from 'commander'
import { runDevnetCommand } from './commands/devnet.ts'
import { runDemo } from './demo/runDemo.ts'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError(`"${value}" is not a TCP port (1–65535)`)
  return n
}

function bytes(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive number of bytes`)
  return n
}

const program = new Command()
  .name('latchkey')
  .description('Session keys for ERC-4337 smart accounts: local devnet and demo.')
  .showHelpAfterError()

program
  .command('devnet')
  .description('Run anvil + EntryPoint v0.7 + Latchkey contracts + Alto bundler on 127.0.0.1 until Ctrl-C.')
  .option('--json', 'print one JSON object (chainId, rpcUrl, bundlerUrl, entryPoint, contracts, testKeys)')
  .option('--anvil-port <port>', 'anvil port (default: a free port)', port)
  .option('--bundler-port <port>', 'bundler port (default: a free port)', port)
  .option('--code-size-limit <bytes>', "anvil's EIP-170 code-size limit (default: 24576, as on mainnet)", bytes)
  .action(async (options: { json?: boolean; anvilPort?: number; bundlerPort?: number; codeSizeLimit?: number }) => {
    process.exitCode = await runDevnetCommand(options)
  })

const node = program.command('node').description('A Latchkey signer node (one party of a FROST threshold group).')
node
  .command('start')
  .description('Run one signer node until Ctrl-C: HTTP API, JSON logs, SQLite in its data directory (or PostgreSQL).')
  .option('--config <file>', 'a JSON file with identifier, dataDir, port, host, rpcUrl, databaseUrl, dkgClients')
  .option('--identifier <n>', 'its FROST identifier, 1–255')
  .option('--data-dir <dir>', 'its database and node key')
  .option('--port <port>', 'its port (default: a free port)')
  .option('--host <host>', 'the address it listens on (default: 127.0.0.1)')
  .option('--rpc-url <url>', 'the chain it checks signing requests against (needed to sign)')
  .option('--database-url <url>', 'a PostgreSQL connection URL: its store there instead of SQLite')
  .option('--dkg-clients <addresses>', 'comma-separated client addresses allowed to start a key generation (default: any)')
  .action(async (options: { config?: string; identifier?: string; dataDir?: string; port?: string; host?: string; rpcUrl?: string; databaseUrl?: string; dkgClients?: string }) => {
    const { runSignerNode } = await import('@latchkey/node')
    const flags = {
      config: options.config,
      identifier: options.identifier,
      'data-dir': options.dataDir,
      port: options.port,
      host: options.host,
      'rpc-url': options.rpcUrl,
      'database-url': options.databaseUrl,
      'dkg-clients': options.dkgClients,
    }
    await runSignerNode(Object.entries(flags).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v])))
  })

program
  .command('network')
  .description('A local signer network on loopback, for development and the demo.')
  .command('up')
  .description('Start n signer nodes, each its own process and database; print their URLs as JSON; Ctrl-C stops them.')
  .option('--nodes <n>', 'how many nodes', '3')
  .option('--threshold <t>', 'how many must sign (recorded for the key generation you run next)', '2')
  .option('--dir <dir>', 'where the nodes keep their data (default: a new temporary directory)')
  .option('--rpc-url <url>', 'the chain the nodes check signing requests against (needed to sign)')
  .action(async (options: { nodes: string; threshold: string; dir?: string; rpcUrl?: string }) => {
    const { startSignerNetwork } = await import('@latchkey/node')
    const network = await startSignerNetwork(Number(options.nodes), { ...(options.dir ? { dir: options.dir } : {}), ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}) })
    process.stdout.write(`${JSON.stringify({ threshold: Number(options.threshold), nodes: network.nodes.map((n) => ({ identifier: n.identifier, url: n.url, dataDir: n.dataDir })) })}\n`)
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void network.stop().then(() => process.exit(0)))
  })

program
  .command('demo')
  .description('Start a devnet, deploy an account with its first userOp, send an ERC-20 and ETH, stop.')
  .action(async () => {
    process.exitCode = await runDemo()
  })

await program.parseAsync()
