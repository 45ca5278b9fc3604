/**
 * Issue 17, the agent job kind: an MCP server over stdio whose tools are bounded by one session, driven by
 * an MCP client as an agent's host would. In-session calls are sent through the devnet's Alto; a call
 * outside the session is refused with the rule that fails, whatever the agent asks, and nothing is sent.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeFunctionData, erc20Abi, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { createSession, erc20Policy, grantSessions, serializeSessionGrant } from '@latchkey/sdk'
import { tempDir } from './fixtures/automationJobs.ts'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { balanceOf, mintUsd } from './fixtures/policySessions.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
let client: Client
let payee: Address
before(async () => {
  devnet = await useDevnet()
  const owner = await deployedOwnerAccount(devnet)
  await mintUsd(devnet, owner.address, 1_000n)
  const key = generatePrivateKey()
  payee = privateKeyToAccount(generatePrivateKey()).address
  const session = createSession({ signer: privateKeyToAccount(key).address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, total: 30n, recipients: [payee] })] })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const grantFile = join(tempDir('latchkey-agent-'), 'session.json')
  writeFileSync(grantFile, serializeSessionGrant(grants[0]!, { privateKey: key }), { mode: 0o600 })
  const entry = join(import.meta.dirname, '..', 'packages', 'automation', 'src', 'agent', 'agentMain.ts')
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', '--conditions=latchkey-source', entry, '--grant', grantFile, '--rpc-url', devnet.rpcUrl, '--bundler-url', devnet.bundlerUrl],
    stderr: 'inherit',
  })
  client = new Client({ name: 'latchkey-test-agent', version: '0.0.0' })
  await client.connect(transport)
})
after(async () => {
  await client?.close()
})

type Text = { content: { type: string; text: string }[]; isError?: boolean }
const call = async (name: string, args: Record<string, unknown> = {}) => {
  const result = (await client.callTool({ name, arguments: args })) as Text
  return { text: result.content.map((c) => c.text).join('\n'), isError: result.isError === true }
}
const transfer = (to: Address, amount: bigint) => ({ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) })

describe('automation: an agent bounded by one session (MCP over stdio)', () => {
  it('lists its four tools and describes the session and what is left', async () => {
    const { tools } = await client.listTools()
    assert.deepEqual(tools.map((t) => t.name).sort(), ['check_calls', 'describe_permissions', 'remaining_allowance', 'send_calls'])
    assert.match((await call('describe_permissions')).text, /transfer/)
    assert.match((await call('remaining_allowance')).text, /30 of 30 left/)
  })

  it('refuses calls outside the session with the rule, whatever it is asked; sends what is inside', async () => {
    const stranger = privateKeyToAccount(generatePrivateKey()).address
    const toStranger = await call('send_calls', { calls: [transfer(stranger, 1n)] })
    assert.equal(toStranger.isError, true)
    assert.match(toStranger.text, /rule "policy"/)
    const otherContract = await call('check_calls', { calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    assert.equal(otherContract.isError, true)
    assert.match(otherContract.text, /rule "target"/)
    assert.match((await call('send_calls', { calls: [{ to: 'not an address' }] })).text, /"to" is not an address/)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, stranger), 0n)

    const sent = await call('send_calls', { calls: [transfer(payee, 20n)] })
    assert.equal(sent.isError, false, sent.text)
    assert.match(sent.text, /sent: userOp 0x[0-9a-f]{64}/)
    const over = await call('send_calls', { calls: [transfer(payee, 20n)] })
    assert.equal(over.isError, true)
    assert.match(over.text, /rule "policy"/)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, payee), 20n)
    assert.match((await call('remaining_allowance')).text, /10 of 30 left/)
  })
})
