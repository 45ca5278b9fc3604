import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { extname, join, normalize, sep } from 'node:path'
import { createPublicClient, createWalletClient, getAddress, http, isAddress, numberToHex, parseEther, parseUnits, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { demoTokenAbi } from '@latchkey/contracts'
import type { Devnet } from '@latchkey/devnet'

/** What the pages need of the devnet. */
export type PageDevnet = Pick<Devnet, 'chain' | 'chainId' | 'rpcUrl' | 'bundlerUrl' | 'contracts' | 'testKeys'>

export type PageServerOptions = {
  devnet: PageDevnet
  /** Ports on 127.0.0.1; 0 (default) picks free ones. Two ports, so the wallet and the dApp are two origins. */
  walletPort?: number | undefined
  dappPort?: number | undefined
  /** Where the built pages are (`wallet/`, `dapp/`). Default: this package's `dist/pages`. */
  pagesDir?: string | undefined
}

export type PageServer = { walletUrl: string; dappUrl: string; stop(): Promise<void> }

/** The built pages: beside this file's package, `dist/pages` (built by `npm run build`, Vite). */
export const DEFAULT_PAGES_DIR = join(import.meta.dirname, '..', '..', 'dist', 'pages')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
}

/**
 * Pages may load only their own scripts and styles and talk only to their own server (which forwards the RPC
 * and the bundler); the SDK's keccak is WebAssembly. The wallet is never framed (its consent screen cannot be
 * overlaid by another page).
 */
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/** The devnet's demo token, as the pages name and count it. */
const TOKEN = { symbol: 'LKUSD', decimals: 6 } as const

/**
 * Serves the wallet and the dApp pages on loopback, next to a devnet, each on its own port (two origins: the
 * dApp cannot read the wallet's storage, where the owner key is). Each serves its static files,
 * `/config.json` (chain, contracts, both URLs), and forwards `POST /rpc` to anvil and `POST /bundler` to Alto,
 * so a page talks to its own origin only. The wallet's server also answers `POST /faucet` (devnet only: 10
 * ETH and 1,000 LKUSD to the address given).
 */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const pagesDir = options.pagesDir ?? DEFAULT_PAGES_DIR
  for (const app of ['wallet', 'dapp']) {
    if (!existsSync(join(pagesDir, app, 'index.html'))) throw new Error(`the ${app} page is not built (${join(pagesDir, app)}): run npm run build`)
  }
  const urls = { walletUrl: '', dappUrl: '' }
  const config = () => ({
    chainId: options.devnet.chainId,
    walletUrl: urls.walletUrl,
    dappUrl: urls.dappUrl,
    contracts: options.devnet.contracts,
    token: { address: options.devnet.contracts.demoToken, ...TOKEN },
  })
  const faucet = createFaucet(options.devnet)
  const wallet = await listen(handler(pagesDir, 'wallet', options.devnet, config, faucet), options.walletPort ?? 0)
  const dapp = await listen(handler(pagesDir, 'dapp', options.devnet, config, undefined), options.dappPort ?? 0)
  urls.walletUrl = `http://127.0.0.1:${port(wallet)}/`
  urls.dappUrl = `http://127.0.0.1:${port(dapp)}/`
  return {
    ...urls,
    async stop() {
      await Promise.all([close(wallet), close(dapp)])
    },
  }
}

type Faucet = (address: Address) => Promise<void>

function handler(root: string, app: 'wallet' | 'dapp', devnet: PageDevnet, config: () => unknown, faucet: Faucet | undefined) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    try {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname
      if (request.method === 'POST' && (path === '/rpc' || path === '/bundler')) return await forward(request, response, path === '/rpc' ? devnet.rpcUrl : devnet.bundlerUrl)
      if (request.method === 'POST' && path === '/faucet' && faucet) return await fund(request, response, faucet)
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed')
      if (path === '/config.json') return send(response, 200, TYPES['.json']!, JSON.stringify(config()))
      return await serveFile(root, app, path, response)
    } catch (error) {
      if (!response.headersSent) send(response, 500, 'text/plain', `error: ${(error as Error).message}`)
      else response.destroy()
    }
  }
}

/** The app's page at `/`, and the bundles Vite wrote to `assets/` (shared by both pages); nothing else. */
async function serveFile(root: string, app: 'wallet' | 'dapp', path: string, response: ServerResponse) {
  const file = normalize(join(root, path === '/' ? `${app}/index.html` : path))
  if (!file.startsWith(join(root, app) + sep) && !file.startsWith(join(root, 'assets') + sep)) return send(response, 404, 'text/plain', 'not found')
  let body: Buffer
  try {
    body = await readFile(file)
  } catch {
    return send(response, 404, 'text/plain', 'not found')
  }
  send(response, 200, TYPES[extname(file)] ?? 'application/octet-stream', body)
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer) {
  response.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  })
  response.end(body)
}

const MAX_BODY = 1 << 20

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A JSON-RPC request, forwarded as is; the answer comes back as is. */
async function forward(request: IncomingMessage, response: ServerResponse, target: string) {
  const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await readBody(request) })
  send(response, answer.status, 'application/json', Buffer.from(await answer.arrayBuffer()))
}

async function fund(request: IncomingMessage, response: ServerResponse, faucet: Faucet) {
  let address: unknown
  try {
    address = (JSON.parse(await readBody(request)) as { address?: unknown }).address
  } catch {
    return send(response, 400, 'text/plain', 'expected {"address": "0x…"}')
  }
  if (typeof address !== 'string' || !isAddress(address, { strict: false })) return send(response, 400, 'text/plain', 'expected {"address": "0x…"}')
  await faucet(getAddress(address))
  send(response, 200, TYPES['.json']!, '{}')
}

/** 10 ETH (anvil_setBalance) and 1,000 LKUSD (minted by a devnet key), one request at a time. */
function createFaucet(devnet: PageDevnet): Faucet {
  const key = devnet.testKeys[devnet.testKeys.length - 2]!.privateKey as Hex
  const minter = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(key) })
  const reader = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 100 })
  let queue = Promise.resolve()
  return (address) => {
    const run = queue.then(async () => {
      await reader.request({ method: 'anvil_setBalance' as never, params: [address, numberToHex(parseEther('10'))] as never })
      const hash = await minter.writeContract({ address: devnet.contracts.demoToken, abi: demoTokenAbi, functionName: 'mint', args: [address, parseUnits('1000', TOKEN.decimals)] })
      await reader.waitForTransactionReceipt({ hash, timeout: 10_000 })
    })
    queue = run.catch(() => undefined)
    return run
  }
}

function listen(handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>, portNumber: number): Promise<Server> {
  const server = createServer((request, response) => void handle(request, response))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(portNumber, '127.0.0.1', () => resolve(server))
  })
}

function port(server: Server): number {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the page server has no port')
  return address.port
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
}
