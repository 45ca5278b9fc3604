import type { Chain, Client, Transport } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import type { PolicyModules } from '../sessions/policyModules.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { getSessionAllowances, type SessionAllowance } from './getSessionAllowances.ts'
import { getSessionStatus, type SessionStatus } from './getSessionStatus.ts'

/** One limit of a session: what it has left now, and, for a periodic limit, when it refills. */
export type RemainingAllowance = SessionAllowance & {
  /** For a periodic limit: the first second of the next period, when `remaining` is back to `max`. */
  refillsAt?: number
}

export type GetRemainingAllowanceReturnType = {
  status: SessionStatus
  /** Whether the session can be used now (`status` is `active`); when not, every `remaining` is 0. */
  usable: boolean
  allowances: RemainingAllowance[]
}

/**
 * What a session may still spend now, limit by limit, and when each periodic limit refills: its counters read
 * from the chain (as {@link getSessionAllowances}) and its status, so that a revoked, renounced, expired or
 * not-yet-valid session answers 0 everywhere with the reason in `status`. A stream accrues continuously (its
 * `stream.amountPerSecond`); it has no refill time.
 *
 * @example
 * const { usable, allowances } = await getRemainingAllowance(publicClient, grant)
 * // allowances[0]: { kind: 'amount', max: 500_000000n, remaining: 120_000000n, period: 86400, refillsAt: 1767225600, ... }
 */
export async function getRemainingAllowance(
  client: Client<Transport, Chain | undefined>,
  grant: SessionGrant,
  modules: PolicyModules = latchkeyModules,
): Promise<GetRemainingAllowanceReturnType> {
  const [[status], allowances] = await Promise.all([getSessionStatus(client, [grant]), getSessionAllowances(client, grant, modules)])
  const usable = status === 'active'
  return {
    status: status!,
    usable,
    allowances: allowances.map((allowance) => ({
      ...allowance,
      remaining: usable ? allowance.remaining : 0n,
      ...(allowance.periodEndsAt === undefined ? {} : { refillsAt: allowance.periodEndsAt + 1 }),
    })),
  }
}
