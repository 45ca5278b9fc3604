import { InvalidArgumentError, type Command } from 'commander'
import { httpUrl, integerBetween } from '../support/optionParsers.ts'
import { UsageError } from '../support/errors.ts'

type NetworkUpOptions = { nodes: number; threshold: number; dir?: string; rpcUrl?: string }

/** FROST identifiers are 1 to 255, so a group has at most 255 nodes. */
const MAX_NODES = 255

/** A FROST threshold: the key generation (packages/node's DkgParticipant) refuses fewer than 2 signers. */
function threshold(value: string): number {
  const t = integerBetween(1, MAX_NODES, 'a threshold')(value)
  if (t < 2) throw new InvalidArgumentError('a FROST threshold is at least 2 (with 1, any single node could sign alone)')
  return t
}

/** Refuses a t-of-n that no key generation could run, before any node process starts. */
function assertThresholdFits({ nodes, threshold: t }: NetworkUpOptions): void {
  if (t > nodes) throw new UsageError(`--threshold ${t} is more than --nodes ${nodes}: a t-of-n group needs t ≤ n`)
}

/** `latchkey network up --nodes n --threshold t [--dir dir] [--rpc-url url]` */
export function addNetworkUpCommand(network: Command): void {
  network
    .command('up')
    .description('Start n signer nodes, each its own process and database; print their URLs as JSON; Ctrl-C stops them.')
    .option('--nodes <n>', 'how many nodes (1–255)', integerBetween(1, MAX_NODES, 'a number of nodes'), 3)
    .option('--threshold <t>', 'how many must sign, 2 to n (recorded for the key generation you run next)', threshold, 2)
    .option('--dir <dir>', 'where the nodes keep their data (default: a new temporary directory, removed when they stop)')
    .option('--rpc-url <url>', 'the chain the nodes check signing requests against (needed to sign)', httpUrl)
    .action(async (options: NetworkUpOptions) => {
      assertThresholdFits(options)
      const { startSignerNetwork } = await import('@latchkey/node')
      const network = await startSignerNetwork(options.nodes, { ...(options.dir ? { dir: options.dir } : {}), ...(options.rpcUrl ? { rpcUrl: options.rpcUrl } : {}) })
      const nodes = network.nodes.map((n) => ({ identifier: n.identifier, url: n.url, dataDir: n.dataDir }))
      process.stdout.write(`${JSON.stringify({ threshold: options.threshold, nodes })}\n`)
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void network.stop().then(() => process.exit(0)))
    })
}
