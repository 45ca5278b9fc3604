import type { Address, Hex } from 'viem'
import type { LimitUsage } from './policyTypes.ts'

/**
 * Amounts promised to ops that are signed but not yet on chain (a signer node's reservations): what each
 * moves on one limit counter, in one period. A checker that is handed them counts them as if they had
 * landed, so that ops signed one after another, or at once, never together pass a limit.
 */

/** One limit counter of one policy module, for one session of one account. */
export type CounterKey = { module: Address; permissionIndex: bigint; limitIndex: number }

/** What an op adds to one counter: `used` more in period `periodId` (the counter's period, 0 for a lifetime limit). */
export type CounterIncrement = CounterKey & { usage: LimitUsage }

/** The amounts reserved on one counter by other ops, each in its own period. */
export type ReservedUsage = (counter: CounterKey) => readonly LimitUsage[]

/** What an op moves, as a checker counted it: every counter it adds to, and the end of the window the op lands in (0 = none). */
export type OpIncrements = { counters: CounterIncrement[]; validUntil: number }

export const counterKeyString = (digest: Hex, counter: CounterKey) =>
  `${digest.toLowerCase()}/${counter.module.toLowerCase()}/${counter.permissionIndex}/${counter.limitIndex}`

/**
 * The counter as it will be once the reserved amounts land: an amount in the stored period adds to it, one in
 * a later period starts that period (the contract does the same), and one in an earlier period counts for
 * nothing (that period is over on chain).
 */
export function withReserved(stored: LimitUsage, reserved: readonly LimitUsage[]): LimitUsage {
  let current = stored
  for (const amount of [...reserved].sort((a, b) => (a.periodId < b.periodId ? -1 : a.periodId > b.periodId ? 1 : 0))) {
    if (amount.periodId > current.periodId) current = { periodId: amount.periodId, used: amount.used }
    else if (amount.periodId === current.periodId) current = { periodId: current.periodId, used: current.used + amount.used }
  }
  return current
}

/** What moved from `before` to `after` on one counter: the added amount in the period of `after`. */
export function incrementOf(before: LimitUsage, after: LimitUsage): LimitUsage | undefined {
  const used = after.periodId === before.periodId ? after.used - before.used : after.used
  return used === 0n ? undefined : { periodId: after.periodId, used }
}

/** The earlier end of two windows, where 0 is no end. */
export const earlierEnd = (a: number, b: number) => (a === 0 ? b : b === 0 ? a : Math.min(a, b))
