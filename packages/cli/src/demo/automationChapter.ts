import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWalletClient, encodeFunctionData, erc20Abi, formatUnits, http, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { demoLendingMarketAbi, demoSwapRouterV3Abi, demoTokenAbi } from '@latchkey/contracts'
import { createAutomation, createAutomationClient, sessionMcpServer, sessionTools, startAutomationServer, type Automation } from '@latchkey/automation'
import { callPolicy, createSession, eq, erc20Policy, grantSessions, lte, sendUserOperationAndWait, serializeSessionGrant, toSessionAccount, total, type Permission } from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

const USD = (amount: number) => BigInt(Math.round(amount * 1e6))
const usd = (amount: bigint) => `${formatUnits(amount, 6)} LKUSD`

/**
 * Chapter 8, automation: a runner (SQLite in a temporary directory) sends jobs under session keys. A DCA
 * swaps 10 LKUSD into LKWETH on each of three runs; a subscription of 10 LKUSD under a total of 25, added
 * over the runner's HTTP API, is paid twice, then the runner pauses it with the session's reason; a watcher repays a loan when its health
 * factor drops, under a session that may repay for that position only; an AI agent's MCP tool call outside
 * its session is refused with the rule. All through the devnet's Alto.
 */
export async function automationChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet } = context
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-demo-automation-'))
  const automation = await createAutomation({ dataDir, rpcUrl: devnet.rpcUrl, bundlerUrl: devnet.bundlerUrl, chain: devnet.chain })
  try {
    await dcaJob(context, owner, automation)
    await subscriptionJob(context, owner, automation)
    await watcherJob(context, owner, automation)
    await agentRefused(context, owner)
  } finally {
    await automation.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Grants `permissions` to a new session key by the owner's root; returns the grant and the key. */
async function grantTo(context: DemoContext, owner: SmartAccount, permissions: Permission[]) {
  const { devnet, publicClient } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const key = generatePrivateKey()
  const session = createSession({ signer: privateKeyToAccount(key).address, validFor: 3600, permissions })
  const { grants } = await grantSessions(bundler, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session], chainClient: publicClient })
  return { grant: grants[0]!, key }
}

/** Passes over the due jobs until job `id` is no longer active. */
async function runUntilStopped(automation: Automation, id: string) {
  const until = Date.now() + 60_000
  while ((await automation.getJob(id))!.job.status === 'active') {
    if (Date.now() > until) throw new Error(`job ${id} still active after a minute`)
    await automation.runDue()
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return (await automation.getJob(id))!
}

async function dcaJob(context: DemoContext, owner: SmartAccount, automation: Automation) {
  const { devnet, publicClient, report } = context
  const { demoToken: lkusd, demoWeth: weth, demoSwapRouterV3: router } = devnet.contracts
  const { grant, key } = await report.step('owner: grant a DCA session (approve the router for LKUSD; swap LKUSD → LKWETH into the account, 30 LKUSD in all)', () =>
    grantTo(context, owner, [
      erc20Policy({ token: lkusd, recipients: [router], total: USD(30) }),
      callPolicy({ address: router, abi: demoSwapRouterV3Abi, functionName: 'exactInputSingle', args: [{ tokenIn: eq(lkusd), tokenOut: eq(weth), recipient: eq(owner.address), amountIn: total(USD(30)) }] }),
    ]),
  )
  const before = await publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [owner.address] })
  const spec = { kind: 'schedule', everySeconds: 2, maxRuns: 3, action: { type: 'dca', router, tokenIn: lkusd, tokenOut: weth, amountIn: USD(10).toString() }, grant: JSON.parse(serializeSessionGrant(grant)) }
  const id = await automation.addJob(spec, key)
  const view = await report.step('runner: DCA job, 10 LKUSD every 2 s, three runs (each run recorded with its nonce before it is sent)', () => runUntilStopped(automation, id))
  const after = await publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [owner.address] })
  for (const run of view.runs) report.detail(`run ${run.slot}: ${run.state}, op ${run.userOpHash?.slice(0, 18)}…, ${run.gasUsed} gas`)
  report.detail(`job ${view.job.status} (${view.job.reason}); the account got ${formatUnits(after - before, 6)} LKWETH`)
}

async function subscriptionJob(context: DemoContext, owner: SmartAccount, automation: Automation) {
  const { devnet, publicClient, report } = context
  const lkusd = devnet.contracts.demoToken
  const payee = privateKeyToAccount(generatePrivateKey()).address
  const { grant, key } = await report.step('owner: grant a subscription session (pay LKUSD to one payee, 25 LKUSD in all)', () =>
    grantTo(context, owner, [erc20Policy({ token: lkusd, recipients: [payee], total: USD(25) })]),
  )
  const spec = { kind: 'schedule', everySeconds: 1, action: { type: 'recurring-payment', token: lkusd, to: payee, amount: USD(10).toString() }, grant: JSON.parse(serializeSessionGrant(grant)) }
  // Added as a dApp's backend would: through the runner's HTTP API, the request signed by a client
  // credential, the session key sealed to the runner's key (pinned) before it leaves.
  const credential = privateKeyToAccount(generatePrivateKey())
  const server = await startAutomationServer(automation, { clients: [credential.address], logger: false })
  try {
    const client = createAutomationClient({ url: server.url, credential, runnerKey: automation.runnerKey })
    const id = await report.step('client: add the subscription job over the runner’s HTTP API (the session key sealed to the runner)', () => client.addJob(spec, key))
    const view = await report.step('runner: pay 10 LKUSD every second until the session stops it', () => runUntilStopped(automation, id))
    const paid = await publicClient.readContract({ address: lkusd, abi: erc20Abi, functionName: 'balanceOf', args: [payee] })
    report.detail(`runs: ${view.runs.map((r) => r.state).join(', ')}; the payee holds ${usd(paid)}`)
    const shown = await client.getJob(id)
    report.detail(`the client reads job ${id}: ${shown.status}, ${shown.reason}`)
  } finally {
    await server.close()
  }
}

async function watcherJob(context: DemoContext, owner: SmartAccount, automation: Automation) {
  const { devnet, publicClient, report } = context
  const { demoLendingMarket: market, demoToken: lkusd, demoWeth: weth } = devnet.contracts
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const health = async () => Number(await publicClient.readContract({ address: market, abi: demoLendingMarketAbi, functionName: 'healthFactor', args: [owner.address] })) / 1e18
  const call = (to: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) => ({ to, data: encodeFunctionData({ abi, functionName, args } as never) as Hex })
  await report.step('owner: borrow 2,000 LKUSD against 1 LKWETH on the demo lending market (health factor 1.6)', () =>
    sendUserOperationAndWait(bundler, {
      account: owner,
      chainClient: publicClient,
      calls: [
        call(lkusd, demoTokenAbi, 'mint', [market, USD(10_000)]), // the devnet opens the market empty: give it LKUSD to lend
        call(weth, demoTokenAbi, 'mint', [owner.address, USD(1)]),
        call(weth, erc20Abi, 'approve', [market, USD(1)]),
        call(market, demoLendingMarketAbi, 'deposit', [USD(1)]),
        call(market, demoLendingMarketAbi, 'borrow', [USD(2_000)]),
      ],
    }),
  )
  const { grant, key } = await report.step('owner: grant a watcher session (approve the market for LKUSD; repay for this position only, 1,000 LKUSD in all)', () =>
    grantTo(context, owner, [
      erc20Policy({ token: lkusd, recipients: [market], total: USD(1_000) }),
      callPolicy({ address: market, abi: demoLendingMarketAbi, functionName: 'repay', args: [eq(owner.address), lte(USD(1_000))] }),
    ]),
  )
  const spec = {
    kind: 'watch',
    everySeconds: 1,
    watch: { to: market, data: encodeFunctionData({ abi: demoLendingMarketAbi, functionName: 'healthFactor', args: [owner.address] }), below: (12n * 10n ** 17n).toString() },
    action: { type: 'calls', calls: [call(lkusd, erc20Abi, 'approve', [market, USD(500)]), call(market, demoLendingMarketAbi, 'repay', [owner.address, USD(500)])] },
    grant: JSON.parse(serializeSessionGrant(grant)),
  }
  const id = await automation.addJob(spec, key)
  await automation.runDue()
  report.detail(`watching: health factor ${(await health()).toFixed(2)}, nothing sent (${(await automation.getJob(id))!.runs.length} runs)`)
  const oracle = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[0]!.privateKey) })
  await report.step('the price of LKWETH falls from 4,000 to 2,800 LKUSD (health factor 1.12)', async () => {
    const hash = await oracle.writeContract({ address: market, abi: demoLendingMarketAbi, functionName: 'setPrice', args: [USD(2_800)] })
    await publicClient.waitForTransactionReceipt({ hash })
  })
  const view = await report.step('runner: the watch triggers below 1.2 and repays 500 LKUSD once', () => runUntilStopped(automation, id))
  report.detail(`${view.history.find((h) => h.event === 'triggered')?.detail}; run: ${view.runs.map((r) => r.state).join(', ')}; health factor now ${(await health()).toFixed(2)}`)
}

async function agentRefused(context: DemoContext, owner: SmartAccount) {
  const { devnet, publicClient, report } = context
  const lkusd = devnet.contracts.demoToken
  const shop = privateKeyToAccount(generatePrivateKey()).address
  const { grant, key } = await report.step('owner: grant an agent session (pay one shop, 5 LKUSD in all)', () => grantTo(context, owner, [erc20Policy({ token: lkusd, recipients: [shop], total: USD(5) })]))
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const account = await toSessionAccount({ client: publicClient, grant, signer: privateKeyToAccount(key) })
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair()
  await sessionMcpServer(sessionTools({ client: publicClient, bundler, account, grant })).connect(serverSide)
  const agent = new Client({ name: 'demo-agent', version: '0.0.0' })
  await agent.connect(clientSide)
  try {
    const attacker = privateKeyToAccount(generatePrivateKey()).address as Address
    const call = { to: lkusd, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [attacker, USD(500)] }) as Hex }
    const answer = await report.step('agent (told by a prompt injection): MCP send_calls, 500 LKUSD to an unknown address', () => agent.callTool({ name: 'send_calls', arguments: { calls: [call] } }))
    const text = (answer.content as { text: string }[]).map((c) => c.text).join(' ')
    report.detail(`${answer.isError ? 'refused' : 'SENT (unexpected)'}: ${text}`)
  } finally {
    await agent.close()
  }
}
