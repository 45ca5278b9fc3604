import { zeroAddress, type Address, type Chain, type Client, type Transport } from 'viem'
import { userOperationFees } from '../userOperation/userOperationFees.ts'
import type { UserOpCost } from '../sessions/policyChecker.ts'
import type { Call } from '../erc7579/execution.ts'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { assignSessionCalls, type SessionAssignmentResult } from '../sessions/assignSessionCalls.ts'
import { TIME_MARGIN_SECONDS } from '../sessions/checkSessionCalls.ts'
import { chooseDeclaredTime, sessionPeriods } from '../sessions/declaredTime.ts'
import { readSessionState, type SessionState } from '../sessions/readSessionState.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'

export type CheckSessionCallParameters = {
  /** The calls of one userOp, in order (counters carry from one to the next, as on chain). */
  calls: readonly Call[]
  /**
   * The time the userOp would declare; default: what the session account would declare now (the later of
   * the latest block and this machine's clock, moved to the next period when one ends within the margin).
   */
  declaredTime?: number | undefined
  /**
   * What the userOp would cost, checked against each session's gas policy before the calls (as the manager
   * does): its `maxFeePerGas`, summed gas limits and paymaster. Missing figures: the fee the session account
   * would offer by default (viem's estimate, doubled, as `prepareUserOperation` does), gas limits 0 (only the
   * fee, the paymaster and the counters are judged), no paymaster.
   */
  gas?: { maxFeePerGas?: bigint | undefined; gasLimit?: bigint | undefined; paymaster?: Address | undefined } | undefined
} & (
  | {
      grant: SessionGrant
      grants?: undefined
      /**
       * What the chain says; default: read now ({@link readSessionState}). A state carries the counters the
       * calls it checked would use: read a fresh one for every check.
       */
      state?: SessionState | undefined
    }
  | {
      /** Several sessions of one signer: each call is checked under the first that allows it (batch mode). */
      grants: readonly SessionGrant[]
      grant?: undefined
      /** One fresh state per grant, in the same order; default: read now. */
      states?: readonly SessionState[] | undefined
    }
)

export type CheckSessionCallReturnType = SessionAssignmentResult

/**
 * Whether `calls` may be sent in one userOp under the session (or, given `grants`, under those sessions,
 * each call under the first that allows it), evaluated off chain exactly as the contracts will (grant,
 * window, the gas policy against the op's cost (`gas`, or the fee the session account would offer), then
 * targets, functions, values and each policy with its counters read from the chain), and if not, which call
 * and which rule fail, in words (for several sessions, every session's reason in `details`). A gas refusal
 * is `rule: 'gas'`, `callIndex: -1`, named first as the chain names it. Nothing is signed or sent. The
 * session account runs the same check before it signs, and checks the final op's figures again.
 *
 * @example
 * const result = await checkSessionCall(client, { grant, calls: [{ to: router, data: swapData }] })
 * if (!result.ok) console.log(`call ${result.callIndex}: ${result.rule}: ${result.reason}`)
 *
 * @example
 * const result = await checkSessionCall(client, { grants: [tokenGrant, swapGrant], calls: [approveCall, swapCall] })
 * if (result.ok) console.log(result.sessionIndices) // [0, 1]
 */
export async function checkSessionCall(
  client: Client<Transport, Chain | undefined>,
  parameters: CheckSessionCallParameters,
): Promise<CheckSessionCallReturnType> {
  const grants: readonly SessionGrant[] = parameters.grants ?? [parameters.grant]
  if (grants.length === 0) throw new LatchkeyError('No session given: `grants` is empty.')
  const given = parameters.grants ? parameters.states : parameters.state ? [parameters.state] : undefined
  if (given && given.length !== grants.length) throw new LatchkeyError(`${given.length} states for ${grants.length} sessions: give one per session.`)
  const states = given ?? (await Promise.all(grants.map((grant) => readSessionState(client, grant))))
  const now = Math.max(...states.map((state) => state.now), Math.floor(Date.now() / 1000))
  const periods = [...new Set(grants.flatMap((grant) => sessionPeriods(grant.session, { ...latchkeyModules, sessionKeyManager: grant.manager })))]
  const declaredTime = parameters.declaredTime ?? chooseDeclaredTime(now, periods, TIME_MARGIN_SECONDS).declaredTime
  const cost: UserOpCost = {
    paymaster: parameters.gas?.paymaster ?? zeroAddress,
    gasLimit: parameters.gas?.gasLimit ?? 0n,
    maxFeePerGas: parameters.gas?.maxFeePerGas ?? (await defaultOfferedFee(client)),
  }
  return assignSessionCalls({ candidates: grants.map((grant, index) => ({ grant, state: states[index]! })), calls: parameters.calls, declaredTime, cost })
}

/** The maxFeePerGas `sendUserOperationAndWait` offers by default ({@link userOperationFees}; 0 when it cannot tell). */
async function defaultOfferedFee(client: Client<Transport, Chain | undefined>): Promise<bigint> {
  try {
    return (await userOperationFees(client)).maxFeePerGas
  } catch {
    return 0n
  }
}
