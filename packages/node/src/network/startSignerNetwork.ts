import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestFault } from '../faults/testFault.ts'

/** One node of a local network: its own process and data directory. */
export type NetworkNode = { identifier: number; url: string; dataDir: string; process: ChildProcess }

export type SignerNetwork = {
  nodes: NetworkNode[]
  /** Kills node `identifier` with `signal` (default SIGKILL) and waits for it to exit. */
  kill(identifier: number, signal?: NodeJS.Signals): Promise<void>
  /**
   * Starts node `identifier` again on the same data directory and port, without any test fault unless given
   * one; `withoutChain` starts it with no RPC URL (it then refuses every signing request: tests only).
   */
  restart(identifier: number, options?: { testFault?: TestFault; withoutChain?: boolean }): Promise<NetworkNode>
  stop(): Promise<void>
}

/**
 * The node's entry beside this module: `nodeMain.js` once built; `nodeMain.ts` in the workspace, run through
 * tsx with the `latchkey-source` condition so that its own imports of @latchkey/* resolve to sources too.
 */
const fromSource = import.meta.filename.endsWith('.ts')
const entry = join(import.meta.dirname, '..', fromSource ? 'nodeMain.ts' : 'nodeMain.js')
const sourceFlags = fromSource ? ['--import', 'tsx', '--conditions=latchkey-source'] : []

/** Starts one node process and resolves when it logs that it listens. */
type SpawnOptions = { port?: number | undefined; rpcUrl?: string | undefined; databaseUrl?: string | undefined; dkgClients?: readonly string[] | undefined; testFault?: TestFault | undefined }

function spawnNode(identifier: number, dataDir: string, { port = 0, rpcUrl, databaseUrl, dkgClients, testFault }: SpawnOptions): Promise<NetworkNode> {
  const flags = [
    ...(rpcUrl ? ['--rpc-url', rpcUrl] : []),
    ...(databaseUrl ? ['--database-url', databaseUrl] : []),
    ...(dkgClients ? ['--dkg-clients', dkgClients.join(',')] : []),
    ...(testFault ? ['--test-fault', testFault] : []),
  ]
  const child = spawn(process.execPath, [...sourceFlags, entry, '--identifier', String(identifier), '--data-dir', dataDir, '--port', String(port), ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(testFault ? { env: { ...process.env, LATCHKEY_NODE_ALLOW_TEST_FAULTS: '1' } } : {}),
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    const timer = setTimeout(() => reject(new Error(`node ${identifier} did not start within 30 s`)), 30_000)
    child.once('exit', (code) => reject(new Error(`node ${identifier} exited with ${code} before listening`)))
    lines.on('line', (line) => {
      try {
        const log = JSON.parse(line) as { event?: string; url?: string }
        if (log.event === 'listening' && log.url) {
          clearTimeout(timer)
          child.removeAllListeners('exit')
          resolve({ identifier, url: log.url, dataDir, process: child })
        }
      } catch {
        // Not a JSON log line.
      }
    })
  })
}

/**
 * A local signer network on loopback for development, demos and tests: `count` node processes, each with
 * its own data directory (under `dir`; default a new temporary directory, removed by `stop`) and database, checking requests
 * against the chain at `rpcUrl`; `databaseUrl` gives each node a PostgreSQL database instead of SQLite;
 * `dkgClients` limits who may start a key generation; `testFaults` starts some nodes with a fault (tests only).
 */
export async function startSignerNetwork(
  count: number,
  options: { dir?: string; rpcUrl?: string; databaseUrl?: (identifier: number) => string; dkgClients?: readonly string[]; testFaults?: Partial<Record<number, TestFault>> } = {},
): Promise<SignerNetwork> {
  const spawnOptions = (identifier: number, testFault: TestFault | undefined): SpawnOptions => ({ rpcUrl: options.rpcUrl, databaseUrl: options.databaseUrl?.(identifier), dkgClients: options.dkgClients, testFault })
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'latchkey-network-'))
  const nodes = await Promise.all(Array.from({ length: count }, (_, i) => spawnNode(i + 1, join(dir, `node-${i + 1}`), spawnOptions(i + 1, options.testFaults?.[i + 1]))))
  const exited = (node: NetworkNode) => node.process.exitCode !== null || node.process.signalCode !== null
  const network: SignerNetwork = {
    nodes,
    async kill(identifier, signal = 'SIGKILL') {
      const node = nodes.find((n) => n.identifier === identifier)!
      if (exited(node)) return
      await new Promise<void>((resolve) => {
        node.process.once('exit', () => resolve())
        node.process.kill(signal)
      })
    },
    async restart(identifier, restartOptions = {}) {
      const index = nodes.findIndex((n) => n.identifier === identifier)
      await network.kill(identifier)
      nodes[index] = await spawnNode(identifier, nodes[index]!.dataDir, {
        ...spawnOptions(identifier, restartOptions.testFault),
        ...(restartOptions.withoutChain ? { rpcUrl: undefined } : {}),
        port: Number(new URL(nodes[index]!.url).port),
      })
      return nodes[index]!
    },
    async stop() {
      await Promise.all(nodes.map((n) => network.kill(n.identifier, 'SIGTERM')))
      // A temporary directory made here goes with the network: it holds the nodes' key shares.
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
  const onExit = () => nodes.forEach((n) => !exited(n) && n.process.kill('SIGKILL'))
  process.once('exit', onExit)
  return network
}
