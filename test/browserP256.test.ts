/**
 * P-256 session signers in a real headless Chromium (issue 18, item 1): the page makes a non-extractable
 * WebCrypto key, or a passkey on Chromium's virtual authenticator (CDP `WebAuthn.addVirtualAuthenticator`), a
 * server grants a session to it, and the page sends two session userOps through Alto. The page is served on
 * `localhost`: WebAuthn needs a secure context and a domain for its relying party id (an IP address is none).
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Page } from 'playwright-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Address, Hex } from 'viem'
import { demoCounterAbi } from '@latchkey/contracts'
import { createSession, grantSessions, permission, serializeSessionGrant, toLatchkeyAccount } from '@latchkey/sdk'
import { launchChromium } from './fixtures/chromium.ts'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

let devnet: DevnetFixture
let server: Server
let origin = ''
let pageScript = ''
/** The owner account of the last grant, by the session key it granted to. */
const owners = new Map<Hex, Address>()

/** Grants a session that may call DemoCounter.count() to the signer the page made, from a fresh funded account. */
async function grantTo(body: string): Promise<string> {
  const { verifier, key } = JSON.parse(body) as { verifier: Address; key: Hex }
  const owner = await toLatchkeyAccount({ client: devnet.publicClient, owner: privateKeyToAccount(generatePrivateKey()), factory: devnet.contracts.accountFactory })
  await devnet.fund(owner.address, '1')
  const session = createSession({ signer: { verifier, key }, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  owners.set(key, owner.address)
  return serializeSessionGrant(grants[0]!)
}

function page(kind: 'webcrypto' | 'passkey'): string {
  const config = { chainId: devnet.chainId, rpcUrl: devnet.rpcUrl, bundlerUrl: devnet.bundlerUrl, demoCounter: devnet.contracts.demoCounter, kind }
  return `<!doctype html><html><head><meta charset="utf-8"><title>P-256 session</title></head><body>
<script id="config" type="application/json">${JSON.stringify(config)}</script><script type="module" src="/page.js"></script></body></html>`
}

before(async () => {
  devnet = await useDevnet()
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'pages', 'p256Page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['latchkey-source'],
    write: false,
    logLevel: 'error',
  })
  pageScript = bundle.outputFiles[0]!.text
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (request.method === 'POST' && url.pathname === '/grant') {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        grantTo(body).then(
          (grant) => response.writeHead(200, { 'content-type': 'application/json' }).end(grant),
          (error: Error) => response.writeHead(500).end(error.message),
        )
      })
      return
    }
    if (url.pathname === '/page.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(pageScript)
    const kind = url.searchParams.get('kind')
    if (url.pathname === '/' && (kind === 'webcrypto' || kind === 'passkey')) return void response.writeHead(200, { 'content-type': 'text/html' }).end(page(kind))
    response.writeHead(404).end('not found')
  })
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve))
  const address = server.address()
  origin = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`
})
after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

/** Waits for the page's outcome and checks that the chain counted both of its calls for the granting account. */
async function outcomeOf(tab: Page): Promise<{ key: Hex; extractable: boolean }> {
  await tab.waitForSelector('body[data-result], body[data-error]', { state: 'attached', timeout: 180_000 })
  const error = await tab.getAttribute('body', 'data-error')
  assert.equal(error, null, `the page failed: ${error}`)
  const result = JSON.parse((await tab.getAttribute('body', 'data-result'))!) as { success: boolean; sender: Address; key: Hex; extractable: boolean }
  assert.equal(result.success, true)
  assert.equal(result.sender, owners.get(result.key), 'the page acted as the account that granted its key')
  const counts = await devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [result.sender] })
  assert.equal(counts, 2n, 'the chain counted both of the page’s calls')
  return result
}

describe('P-256 session signers in Chromium', { timeout: 600_000 }, () => {
  it('a non-extractable WebCrypto key made by the page signs two session userOps', async (t) => {
    const browser = await launchChromium(t)
    if (!browser) return
    try {
      const tab = await browser.newPage()
      await tab.goto(`${origin}/?kind=webcrypto`)
      const result = await outcomeOf(tab)
      assert.equal(result.extractable, false)
      assert.match(result.key, /^0x[0-9a-f]{128}00$/, 'a raw P-256 key, checked in Solidity')
    } finally {
      await browser.close()
    }
  })

  it('a passkey on the virtual authenticator (user verified) signs two session userOps', async (t) => {
    const browser = await launchChromium(t)
    if (!browser) return
    try {
      const tab = await browser.newPage()
      const cdp = await tab.context().newCDPSession(tab)
      await cdp.send('WebAuthn.enable')
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
      })
      await tab.goto(`${origin}/?kind=passkey`)
      const result = await outcomeOf(tab)
      assert.match(result.key, /^0x[0-9a-f]{128}05$/, 'a WebAuthn key whose every assertion must carry UV')
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
      assert.equal(credentials.length, 1)
      assert.ok(credentials[0]!.signCount >= 2, `the passkey signed each userOp (count ${credentials[0]!.signCount})`)
    } finally {
      await browser.close()
    }
  })
})
