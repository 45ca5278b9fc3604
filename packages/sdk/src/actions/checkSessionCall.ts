import type { Chain, Client, Transport } from 'viem'
import type { Call } from '../erc7579/execution.ts'
import { TIME_MARGIN_SECONDS, checkSessionCalls, type SessionCheckResult } from '../sessions/checkSessionCalls.ts'
import { chooseDeclaredTime, sessionPeriods } from '../sessions/declaredTime.ts'
import { readSessionState, type SessionState } from '../sessions/readSessionState.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'

export type CheckSessionCallParameters = {
  grant: SessionGrant
  /** The calls of one userOp, in order (counters carry from one to the next, as on chain). */
  calls: readonly Call[]
  /**
   * What the chain says; default: read now ({@link readSessionState}). A state carries the counters the
   * calls it checked would use: read a fresh one for every check.
   */
  state?: SessionState | undefined
  /**
   * The time the userOp would declare; default: what the session account would declare now (the later of
   * the latest block and this machine's clock, moved to the next period when one ends within the margin).
   */
  declaredTime?: number | undefined
}

export type CheckSessionCallReturnType = SessionCheckResult

/**
 * Whether `calls` may be sent in one userOp under the session, evaluated off chain exactly as the contracts
 * will (grant, window, targets, functions, values, then each policy with its counters read from the chain),
 * and if not, which call and which rule fail, in words. Nothing is signed or sent. The session account runs
 * the same check before it signs (and then checks the final op's fees and limits against the session's gas
 * policy, which this does not: they are not known yet).
 *
 * @example
 * const result = await checkSessionCall(client, { grant, calls: [{ to: router, data: swapData }] })
 * if (!result.ok) console.log(`call ${result.callIndex}: ${result.rule}: ${result.reason}`)
 */
export async function checkSessionCall(
  client: Client<Transport, Chain | undefined>,
  parameters: CheckSessionCallParameters,
): Promise<CheckSessionCallReturnType> {
  const { grant, calls } = parameters
  const state = parameters.state ?? (await readSessionState(client, grant))
  const now = Math.max(state.now, Math.floor(Date.now() / 1000))
  const declaredTime = parameters.declaredTime ?? chooseDeclaredTime(now, sessionPeriods(grant.session), TIME_MARGIN_SECONDS).declaredTime
  return checkSessionCalls({ session: grant.session, digest: grant.digest, account: grant.account, manager: grant.manager, calls, state, declaredTime })
}
