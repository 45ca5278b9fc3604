import { isAddress, isHex, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import type { SmartAccount } from 'viem/account-abstraction'
import {
  checkSessionCall,
  describeSession,
  getSessionAllowances,
  LatchkeyError,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  SessionGasRefusedError,
  SessionNotUsableError,
  type Call,
  type SessionGrant,
} from '@latchkey/sdk'

/** A call as an agent gives it: hex strings, the value in wei as a decimal string. */
export type AgentCall = { to: string; value?: string | undefined; data?: string | undefined }

/** A tool's answer: text for the agent, and whether it is a refusal or an error (MCP's `isError`). */
export type ToolAnswer = { text: string; isError: boolean }

/** Calls as an agent sent them, checked: a malformed one is refused by index and field, never guessed at. */
export function parseAgentCalls(calls: readonly AgentCall[]): Call[] | ToolAnswer {
  const parsed: Call[] = []
  for (const [i, call] of calls.entries()) {
    if (!isAddress(call.to, { strict: false })) return { text: `call ${i}: "to" is not an address`, isError: true }
    if (call.value !== undefined && !/^\d+$/.test(call.value)) return { text: `call ${i}: "value" is not a decimal amount of wei`, isError: true }
    if (call.data !== undefined && !isHex(call.data)) return { text: `call ${i}: "data" is not hex`, isError: true }
    parsed.push({ to: call.to as Address, value: BigInt(call.value ?? '0'), data: (call.data ?? '0x') as Hex })
  }
  return parsed
}

const refusalText = (error: unknown): string | undefined => {
  if (error instanceof SessionCallRefusedError) return `refused by the session, rule "${error.rule}" (call ${error.callIndex}): ${error.reason}`
  if (error instanceof SessionGasRefusedError) return `refused by the session, rule "gas": ${error.reason}`
  if (error instanceof SessionNotUsableError) return `the session cannot be used, rule "${error.rule}": ${error.reason}`
  return undefined
}

/**
 * What an AI agent may do with one session, and nothing more (the MCP server's tools): read what the
 * session allows and what is left, check calls, and send them. Whatever the agent is told, a call outside
 * the session is refused with the rule that fails, before anything is signed; the contracts refuse it too.
 */
export function sessionTools(context: { client: Client<Transport, Chain | undefined>; bundler: Parameters<typeof sendUserOperationAndWait>[0]; account: SmartAccount; grant: SessionGrant }) {
  const { client, grant } = context
  return {
    describePermissions(): ToolAnswer {
      return { text: describeSession(grant.session, { account: grant.account }), isError: false }
    },
    async remainingAllowance(): Promise<ToolAnswer> {
      const allowances = await getSessionAllowances(client, grant)
      if (allowances.length === 0) return { text: 'this session has no counted limits', isError: false }
      const lines = allowances.map((a) => {
        const where = a.permissionIndex === 'gas' ? 'gas' : `permission ${a.permissionIndex}`
        const until = a.periodEndsAt === undefined ? '' : ` (this period ends ${new Date(a.periodEndsAt * 1000).toISOString()})`
        return `${where}, limit ${a.limitIndex} (${a.kind}${a.token ? ` of ${a.token}` : ''}): ${a.remaining} of ${a.max} left${until}`
      })
      return { text: lines.join('\n'), isError: false }
    },
    async checkCalls(calls: readonly AgentCall[]): Promise<ToolAnswer> {
      const parsed = parseAgentCalls(calls)
      if (!Array.isArray(parsed)) return parsed
      const result = await checkSessionCall(client, { grant, calls: parsed })
      if (result.ok) return { text: `allowed: each call under permission ${result.permissionIndices.join(', ')}`, isError: false }
      return { text: `refused by the session, rule "${result.rule}" (call ${result.callIndex}): ${result.reason}`, isError: true }
    },
    async sendCalls(calls: readonly AgentCall[]): Promise<ToolAnswer> {
      const parsed = parseAgentCalls(calls)
      if (!Array.isArray(parsed)) return parsed
      try {
        const { userOpHash, receipt } = await sendUserOperationAndWait(context.bundler, { account: context.account, calls: parsed })
        return { text: `sent: userOp ${userOpHash}, transaction ${receipt.transactionHash}`, isError: false }
      } catch (error) {
        const refused = refusalText(error)
        if (refused) return { text: refused, isError: true }
        if (error instanceof LatchkeyError) return { text: `not sent: ${error.shortMessage}`, isError: true }
        throw error
      }
    },
  }
}
