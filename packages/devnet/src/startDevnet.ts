import { createPublicClient, createWalletClient, defineChain, http, type Address, type Chain } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { entryPoint07Address } from 'viem/account-abstraction'
import { evmVersion } from '@latchkey/contracts/compilerSettings'
import { startAlto } from './alto.ts'
import { startAnvil } from './anvil.ts'
import type { ChildService } from './childService.ts'
import { deployEntryPoint07 } from './entryPoint.ts'
import { deployLatchkeyContracts, type LatchkeyContracts } from './latchkeyContracts.ts'
import { startBlockHeartbeat } from './blockHeartbeat.ts'
import { claimPort, LOOPBACK } from './ports.ts'
import { anvilKey, devnetRoles, type TestKey } from './testKeys.ts'

export type StartDevnetParameters = {
  /** anvil's port; a free one when omitted. */
  anvilPort?: number
  /** Alto's port; a free one when omitted. */
  bundlerPort?: number
  /** Chain id; anvil's default 31337 when omitted. */
  chainId?: number
  /**
   * EIP-170 limit on deployed code, in bytes (anvil `--code-size-limit`); the mainnet 24,576 when omitted.
   * Some third-party accounts are larger (Kernel v3.1 ≈ 28.6 KB, Rhinestone's MSA ≈ 30.1 KB). The limit
   * changes what can be deployed, not what anything costs (EIP-3860's initcode limit follows it: twice it).
   */
  codeSizeLimit?: number
  /**
   * anvil's `--hardfork`; the compiler's `evmVersion` (cancun) when omitted. `osaka` or later has the P-256
   * precompile (EIP-7951, at 0x100, as RIP-7212 on rollups), which the P-256 session signers can use.
   */
  hardfork?: string
  /** Called with a line for each step, for progress output. */
  onProgress?: (step: string) => void
}

export type Devnet = {
  chainId: number
  chain: Chain
  rpcUrl: string
  bundlerUrl: string
  entryPoint: Address
  contracts: LatchkeyContracts
  /** Funded keys for tests and demos (anvil's accounts 3–9). */
  testKeys: TestKey[]
  /** Process ids of anvil and Alto. */
  pids: { anvil: number; bundler: number }
  /** Stops Alto and anvil and waits until both have exited. Safe to call twice. */
  stop: () => Promise<void>
}

export type StartDevnetReturnType = Devnet

/**
 * Starts a local ERC-4337 devnet on the loopback address: anvil, EntryPoint v0.7 at its canonical address,
 * the Latchkey contracts at deterministic addresses (the factory staked), and the Alto bundler. Transactions
 * are mined at once, and an empty block comes whenever the latest is a second old ({@link startBlockHeartbeat}).
 *
 * @example
 * const devnet = await startDevnet()
 * try {
 *   // devnet.rpcUrl, devnet.bundlerUrl, devnet.contracts.accountFactory, devnet.testKeys[0].privateKey
 * } finally {
 *   await devnet.stop()
 * }
 */
export async function startDevnet(parameters: StartDevnetParameters = {}): Promise<StartDevnetReturnType> {
  const progress = parameters.onProgress ?? (() => {})
  const chainId = parameters.chainId ?? 31_337
  const anvilPort = await claimPort('anvil', parameters.anvilPort)
  const bundlerPort = await claimPort('bundler', parameters.bundlerPort)
  if (anvilPort === bundlerPort) throw new Error(`anvil and the bundler cannot share port ${anvilPort}`)

  const rpcUrl = `http://${LOOPBACK}:${anvilPort}`
  const bundlerUrl = `http://${LOOPBACK}:${bundlerPort}`
  const chain = defineChain({
    id: chainId,
    name: 'Latchkey devnet',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })

  const services: ChildService[] = []
  let heartbeat: { stop: () => void } | undefined
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      heartbeat?.stop()
      for (const service of services.reverse()) await service.stop()
    })()
    return stopped
  }

  try {
    const limit = parameters.codeSizeLimit === undefined ? '' : `, code-size limit ${parameters.codeSizeLimit} bytes`
    const hardfork = parameters.hardfork ?? evmVersion
    progress(`starting anvil on ${rpcUrl} (hardfork ${hardfork}${limit})`)
    const anvil = await startAnvil({ port: anvilPort, chainId, hardfork, codeSizeLimit: parameters.codeSizeLimit })
    services.push(anvil)

    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) })
    const deployer = privateKeyToAccount(anvilKey(devnetRoles.deployer).privateKey)
    const walletClient = createWalletClient({ chain, transport: http(rpcUrl), account: deployer })
    const clients = { publicClient, walletClient }

    progress('deploying EntryPoint v0.7 at its canonical address')
    const entryPoint = await deployEntryPoint07(clients)
    if (entryPoint.toLowerCase() !== entryPoint07Address.toLowerCase()) throw new Error('EntryPoint address mismatch')

    progress('deploying the Latchkey contracts and staking the factory')
    const contracts = await deployLatchkeyContracts(clients)

    progress(`starting the Alto bundler on ${bundlerUrl}`)
    const alto = await startAlto({
      port: bundlerPort,
      rpcUrl,
      entryPoint,
      executorKey: anvilKey(devnetRoles.bundlerExecutor).privateKey,
      utilityKey: anvilKey(devnetRoles.bundlerUtility).privateKey,
    })
    services.push(alto)
    heartbeat = startBlockHeartbeat(rpcUrl)

    const testKeys = Array.from({ length: devnetRoles.testKeyCount }, (_, i) => anvilKey(devnetRoles.firstTestKey + i))
    return {
      chainId,
      chain,
      rpcUrl,
      bundlerUrl,
      entryPoint,
      contracts,
      testKeys,
      pids: { anvil: anvil.pid, bundler: alto.pid },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
