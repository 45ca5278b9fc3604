import { createPublicClient, defineChain, http, type Address, type PublicClient } from 'viem'
import { createBundlerClient, type BundlerClient } from 'viem/account-abstraction'

/** What the page server tells a page (`/config.json`): the chain, the contracts, both pages' URLs, the demo token. */
export type PageConfig = {
  chainId: number
  walletUrl: string
  dappUrl: string
  contracts: Record<string, Address> & { sessionKeyManager: Address; accountFactory: Address; streamPolicy: Address; demoGame: Address; demoToken: Address }
  token: { address: Address; symbol: string; decimals: number }
}

export type PageClients = { config: PageConfig; publicClient: PublicClient; bundlerClient: BundlerClient }

/** Reads the config and makes clients that talk to this page's own server (`/rpc`, `/bundler`). */
export async function loadPage(): Promise<PageClients> {
  const config = (await (await fetch('/config.json')).json()) as PageConfig
  const rpc = new URL('/rpc', location.origin).href
  const chain = defineChain({ id: config.chainId, name: 'Latchkey devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpc] } } })
  const publicClient = createPublicClient({ chain, transport: http(rpc), pollingInterval: 250 }) as PublicClient
  const bundlerClient = createBundlerClient({ client: publicClient, transport: http(new URL('/bundler', location.origin).href), pollingInterval: 250 })
  return { config, publicClient, bundlerClient }
}

/** `element` by id, typed; throws when the page lacks it (a page bug, not a user's). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (!element) throw new Error(`#${id} is missing from the page`)
  return element as T
}

/** A message for people: the SDK's one-line `shortMessage` when there is one. */
export function errorText(error: unknown): string {
  const e = error as { shortMessage?: unknown; message?: unknown }
  return typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(error)
}
