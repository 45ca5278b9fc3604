import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Address, Hex } from 'viem'
import { ChildService } from './childService.ts'
import { LOOPBACK } from './ports.ts'
import { jsonRpc } from './jsonRpc.ts'

const require = createRequire(import.meta.url)
// src/ in the workspace, dist/ once built: the preload (plain JavaScript, run by Alto's own node) sits beside both.
const here = dirname(fileURLToPath(import.meta.url))

/**
 * Alto's CLI entry (its package `bin`). Alto is GPL-3.0: we run it as a separate process and never import
 * it. Its `exports` hide everything but `esm/index.js`, so the CLI is found beside that file (resolving a
 * path is not importing).
 */
function altoEntry(): string {
  return join(dirname(require.resolve('@pimlico/alto')), 'cli', 'alto.js')
}

export type StartAltoOptions = {
  port: number
  rpcUrl: string
  entryPoint: Address
  executorKey: Hex
  utilityKey: Hex
}

/**
 * Starts the Alto bundler against the devnet's anvil and waits for `eth_supportedEntryPoints`.
 *
 * - `--safe-mode false`: Alto 0.0.20's safe-mode tracer fails every v0.7 op on anvil (see the reference);
 *   Latchkey checks ERC-7562 itself on traces (./erc7562/checkValidationRules.ts).
 * - `--block-time 200`: anvil mines on every transaction; Alto polls receipts this often.
 * - wallet refilling and monitors off: the keys are funded by anvil.
 * - CORS on, as anvil has it: a dApp page served from another loopback port talks to the bundler directly.
 */
export async function startAlto(options: StartAltoOptions): Promise<ChildService> {
  const bundlerUrl = `http://${LOOPBACK}:${options.port}`
  return ChildService.start({
    name: 'alto',
    command: process.execPath,
    args: [
      '--import',
      pathToFileURL(join(here, '..', 'preload', 'loopbackOnly.mjs')).href,
      altoEntry(),
      '--entrypoints', options.entryPoint,
      '--executor-private-keys', options.executorKey,
      '--utility-private-key', options.utilityKey,
      '--rpc-url', options.rpcUrl,
      '--port', String(options.port),
      '--safe-mode', 'false',
      '--enable-cors', 'true',
      '--deploy-simulations-contract', 'true',
      '--min-entity-stake', '1',
      '--min-entity-unstake-delay', '1',
      '--block-time', '200',
      '--min-bundle-interval', '50',
      '--max-bundle-interval', '200',
      '--refilling-wallets', 'false',
      '--utility-wallet-monitor', 'false',
      '--log-level', 'warn',
    ],
    isReady: async () => Array.isArray(await jsonRpc(bundlerUrl, 'eth_supportedEntryPoints', [])),
    readyTimeoutMs: 60_000,
  })
}
