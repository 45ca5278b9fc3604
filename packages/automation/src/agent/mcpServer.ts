import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import type { sessionTools, ToolAnswer } from './sessionTools.ts'

const callShape = z.object({
  to: z.string().describe('the contract or account called (0x address)'),
  value: z.string().optional().describe('wei to send, a decimal string (default 0)'),
  data: z.string().optional().describe('calldata, hex (default 0x)'),
})
const callsInput = { calls: z.array(callShape).min(1).describe('the calls of one userOp, in order') }

const answer = ({ text, isError }: ToolAnswer) => ({ content: [{ type: 'text' as const, text }], isError })

/**
 * An MCP server whose tools are bounded by one session (`sessionTools`): `describe_permissions`,
 * `remaining_allowance`, `check_calls` and `send_calls`. It holds the session key and nothing else.
 */
export function sessionMcpServer(tools: ReturnType<typeof sessionTools>): McpServer {
  const server = new McpServer({ name: 'latchkey-session', version: '0.1.0' })
  server.registerTool('describe_permissions', { description: 'What this session allows: targets, functions, limits, its window.' }, async () => answer(tools.describePermissions()))
  server.registerTool('remaining_allowance', { description: 'What each limit of this session has left now, and when periodic ones refill.' }, async () => answer(await tools.remainingAllowance()))
  server.registerTool(
    'check_calls',
    { description: 'Whether the session allows these calls now (nothing is sent); if not, the rule that fails.', inputSchema: callsInput },
    async ({ calls }) => answer(await tools.checkCalls(calls)),
  )
  server.registerTool(
    'send_calls',
    { description: 'Sends these calls in one userOp under the session and waits for it; a call outside the session is refused with the rule.', inputSchema: callsInput },
    async ({ calls }) => answer(await tools.sendCalls(calls)),
  )
  return server
}
