/**
 * The agent's MCP server as a process, over stdio: `node packages/automation/src/agent/agentMain.ts --grant
 * session.json --rpc-url … --bundler-url …`, started by the agent's host (an MCP client). The grant file is
 * what `serializeSessionGrant(grant, { privateKey })` writes: the session and its key. Diagnostics go to
 * stderr (stdout carries the protocol).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createPublicClient, defineChain, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient } from 'viem/account-abstraction'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { parseSessionGrant, toSessionAccount } from '@latchkey/sdk'
import { sessionMcpServer } from './mcpServer.ts'
import { sessionTools } from './sessionTools.ts'

export async function runAgentServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { grant: { type: 'string' }, 'rpc-url': { type: 'string' }, 'bundler-url': { type: 'string' } } })
  if (!values.grant || !values['rpc-url'] || !values['bundler-url']) throw new Error('give --grant, --rpc-url and --bundler-url')
  const { grant, privateKey } = parseSessionGrant(readFileSync(values.grant, 'utf8'))
  if (!privateKey) throw new Error(`${values.grant} has no session key (write it with serializeSessionGrant(grant, { privateKey }))`)
  const rpcUrl = values['rpc-url']
  const chain = defineChain({ id: grant.chainId, name: `chain ${grant.chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } })
  const client = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 200 })
  const bundler = createBundlerClient({ client, transport: http(values['bundler-url']), pollingInterval: 200 })
  const account = await toSessionAccount({ client, grant, signer: privateKeyToAccount(privateKey) })
  const server = sessionMcpServer(sessionTools({ client, bundler, account, grant }))
  await server.connect(new StdioServerTransport())
  process.stderr.write(`latchkey agent server: session ${grant.digest} of ${grant.account}\n`)
}

if (import.meta.url === `file://${process.argv[1]}`) await runAgentServer(process.argv.slice(2))
