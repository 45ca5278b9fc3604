import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { ChildService } from './childService.ts'
import { LOOPBACK } from './ports.ts'
import { jsonRpc } from './jsonRpc.ts'

const require = createRequire(import.meta.url)

/** The anvil binary shipped in the npm platform package (no download). */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`
  try {
    return join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', 'anvil')
  } catch {
    throw new Error(`${platformPackage} is not installed; run \`npm install\` (anvil has no build for this platform otherwise)`)
  }
}

export type StartAnvilOptions = {
  port: number
  chainId: number
  hardfork: string
}

/** Starts anvil on the loopback address and waits until it answers `eth_chainId`. */
export async function startAnvil({ port, chainId, hardfork }: StartAnvilOptions): Promise<ChildService> {
  const rpcUrl = `http://${LOOPBACK}:${port}`
  return ChildService.start({
    name: 'anvil',
    command: anvilBinary(),
    args: ['--host', LOOPBACK, '--port', String(port), '--chain-id', String(chainId), '--hardfork', hardfork, '--silent'],
    isReady: async () => (await jsonRpc(rpcUrl, 'eth_chainId', [])) !== undefined,
  })
}
