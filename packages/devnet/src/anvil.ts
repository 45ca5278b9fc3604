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
  /** EIP-170 limit on deployed code, in bytes (anvil `--code-size-limit`); anvil's 24,576 when omitted. */
  codeSizeLimit?: number | undefined
}

/** Starts anvil on the loopback address and waits until it answers `eth_chainId`. */
export async function startAnvil({ port, chainId, hardfork, codeSizeLimit }: StartAnvilOptions): Promise<ChildService> {
  const rpcUrl = `http://${LOOPBACK}:${port}`
  if (codeSizeLimit !== undefined && !(Number.isSafeInteger(codeSizeLimit) && codeSizeLimit > 0)) {
    throw new Error(`codeSizeLimit must be a positive integer number of bytes, got ${codeSizeLimit}`)
  }
  const limit = codeSizeLimit === undefined ? [] : ['--code-size-limit', String(codeSizeLimit)]
  return ChildService.start({
    name: 'anvil',
    command: anvilBinary(),
    args: ['--host', LOOPBACK, '--port', String(port), '--chain-id', String(chainId), '--hardfork', hardfork, ...limit, '--silent'],
    isReady: async () => (await jsonRpc(rpcUrl, 'eth_chainId', [])) !== undefined,
  })
}
