import { BaseError, createPublicClient, defineChain, http, type Chain, type PublicClient, type Transport } from 'viem'
import { createBundlerClient, entryPoint07Address, type BundlerClient } from 'viem/account-abstraction'
import { UsageError } from '../support/errors.ts'

/** A chain the CLI has reached: its id is known, so grants for another chain are refused early. */
export type ChainConnection = { rpcUrl: string; chainId: number; client: PublicClient<Transport, Chain> }

/**
 * Why a request failed, in a few words: the innermost cause says it best ("connect ECONNREFUSED
 * 127.0.0.1:8545", "getaddrinfo ENOTFOUND host", the node's "Method not found"); a viem error gives its
 * details or summary, not its multi-line message (URL, request body, version).
 */
function failureReason(error: unknown): string {
  let innermost = error
  while (innermost instanceof Error && innermost.cause instanceof Error) innermost = innermost.cause
  if (innermost instanceof BaseError) return innermost.details || innermost.shortMessage
  return innermost instanceof Error ? innermost.message : String(innermost)
}

/**
 * Connects to the RPC at `rpcUrl` and asks its chain id, once and without retries, so that an address
 * nobody answers at is one clear line within seconds rather than viem's retries and a multi-line error.
 */
export async function connectChain(rpcUrl: string): Promise<ChainConnection> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) })
  let chainId: number
  try {
    chainId = await probe.getChainId()
  } catch (error) {
    throw new UsageError(`cannot reach the RPC at ${rpcUrl}: ${failureReason(error)}`)
  }
  // The SDK's actions and viem's userOp preparation want a chain object; only its id and URL matter here.
  const chain = defineChain({ id: chainId, name: `chain ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
  return { rpcUrl, chainId, client: createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 250 }) }
}

/**
 * Connects to the bundler at `bundlerUrl` and checks, before anything is signed, that it answers, is on
 * the same chain as the RPC, and serves EntryPoint v0.7 (the only one Latchkey accounts use).
 */
export async function connectBundler(chain: ChainConnection, bundlerUrl: string): Promise<BundlerClient> {
  const bundler = createBundlerClient({ client: chain.client, transport: http(bundlerUrl), pollingInterval: 250 })
  const ask = async <T>(request: () => Promise<T>, failure: string): Promise<T> => {
    try {
      return await request()
    } catch (error) {
      throw new UsageError(`${failure}: ${failureReason(error)}`)
    }
  }
  const chainId = await ask(() => bundler.request({ method: 'eth_chainId' }, { retryCount: 0 }), `cannot reach the bundler at ${bundlerUrl}`)
  if (Number(chainId) !== chain.chainId) throw new UsageError(`the bundler at ${bundlerUrl} is on chain ${Number(chainId)}, the RPC at ${chain.rpcUrl} on chain ${chain.chainId}`)
  const entryPoints = await ask(
    () => bundler.request({ method: 'eth_supportedEntryPoints' }, { retryCount: 0 }),
    `${bundlerUrl} does not answer as an ERC-4337 bundler (eth_supportedEntryPoints)`,
  )
  if (!entryPoints.some((e) => e.toLowerCase() === entryPoint07Address.toLowerCase())) {
    throw new UsageError(`the bundler at ${bundlerUrl} does not serve EntryPoint v0.7 (${entryPoint07Address})`)
  }
  return bundler
}
