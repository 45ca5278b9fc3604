import { InvalidParameterError } from '../errors/userOperation.ts'
import { formatAmount, refuse } from './policyRefusal.ts'
import type { LimitUpdate, LimitUsage, PolicyAcceptance, PolicyRefusal } from './policyTypes.ts'

/**
 * Limit counters (docs/policies.md §1–§2), as PolicyLimits.sol keeps them: `used` in the period containing
 * the declared time, refilled when a new period starts, refused past `max` or past 208 bits.
 */

/** ERC-4337 time bounds, inclusive; 0 means no bound. */
export type TimeWindow = { validAfter: number; validUntil: number }

const MAX_UINT48 = 2 ** 48 - 1
const MAX_USED = (1n << 208n) - 1n

/** One check of `amount` against limit `limitIndex`. */
export type LimitCheck = {
  limitIndex: number
  /** What the limit counts, for the reason: "the call count", "the total amount". */
  label: string
  amount: bigint
  max: bigint
  /** Seconds; 0 = lifetime. */
  period: number
  declaredTime: number
  /** The counter as stored. */
  usage: (limitIndex: number) => LimitUsage
}

/** A limit that takes the amount: its new counter and its period's window (none for a lifetime limit). */
export type CountedLimit = { ok: true; update: LimitUpdate; window: TimeWindow }

/** Throws {@link InvalidParameterError} unless `declaredTime` is a uint48 number of seconds. */
export function assertDeclaredTime(declaredTime: number): void {
  if (!Number.isInteger(declaredTime) || declaredTime < 0 || declaredTime > MAX_UINT48) {
    throw new InvalidParameterError('declaredTime', `${declaredTime} is not a uint48 timestamp`)
  }
}

/**
 * Counts `amount` against a limit in the period containing the declared time (period 0 for a lifetime
 * limit): a declared time in the first period of a periodic limit, `PolicyDeclaredTimeTooEarly(limitIndex,
 * declaredTime)`; a stored period before it counts as nothing used; after it, `PolicyPeriodPast(limitIndex)`; a new
 * total above `max` or beyond 208 bits, `PolicyLimitExceeded(limitIndex, used, amount, max)`.
 */
export function countLimit(check: LimitCheck): CountedLimit | PolicyRefusal {
  const { limitIndex, label, amount, max, period, declaredTime } = check
  const periodId = period === 0 ? 0 : Math.floor(declaredTime / period)
  if (period !== 0 && periodId === 0) {
    return refuse('PolicyDeclaredTimeTooEarly', [BigInt(limitIndex), BigInt(declaredTime)], `${label} (limit ${limitIndex}): the declared time ${declaredTime} is in the first ${formatAmount(BigInt(period))}-second period since 1970, whose window could end at time 0 (no expiry)`)
  }
  const stored = check.usage(limitIndex)
  if (stored.periodId > BigInt(periodId)) {
    return refuse('PolicyPeriodPast', [BigInt(limitIndex)], `${label} (limit ${limitIndex}) already counts in period ${stored.periodId}, after period ${periodId} of the declared time ${declaredTime}`)
  }
  const used = stored.periodId < BigInt(periodId) ? 0n : stored.used
  const total = used + amount
  if (total > max || total > MAX_USED) {
    const bound = total > max ? `above the limit of ${formatAmount(max)}` : 'more than its 208-bit counter holds'
    const when = period === 0 ? '' : ` in this ${formatAmount(BigInt(period))}-second period`
    return refuse('PolicyLimitExceeded', [BigInt(limitIndex), used, amount, max], `${label} (limit ${limitIndex})${when} would reach ${formatAmount(total)}, ${bound}`)
  }
  return { ok: true, update: { limitIndex, usage: { periodId: BigInt(periodId), used: total } }, window: periodWindow(periodId, period) }
}

/** The bounds of period `periodId` of `period` seconds (validUntil capped at 2^48 − 1); none for a lifetime limit. */
function periodWindow(periodId: number, period: number): TimeWindow {
  if (period === 0) return { validAfter: 0, validUntil: 0 }
  const validAfter = periodId * period
  return { validAfter, validUntil: Math.min(validAfter + period - 1, MAX_UINT48) }
}

/** Both windows: the later validAfter, the earlier validUntil, where a validUntil of 0 is no bound. */
export function intersectWindows(a: TimeWindow, b: TimeWindow): TimeWindow {
  const validUntil = a.validUntil === 0 ? b.validUntil : b.validUntil === 0 ? a.validUntil : Math.min(a.validUntil, b.validUntil)
  return { validAfter: Math.max(a.validAfter, b.validAfter), validUntil }
}

/** The acceptance once every limit took its amount: their counters, in order, and the intersection of their windows. */
export function acceptCounted(counted: readonly CountedLimit[]): PolicyAcceptance {
  const window = counted.reduce((w, c) => intersectWindows(w, c.window), { validAfter: 0, validUntil: 0 })
  return { ok: true, ...window, usage: counted.map((c) => c.update) }
}

/** A cap of a fixed-format policy (Erc20Policy, GasPolicy): kept only when `max` is not 0. */
export type PolicyCap = { limitIndex: number; label: string; max: bigint; period: number }

/**
 * Counts `amount` against each cap that is set (`max ≠ 0`), in order, stopping at the first refusal; the
 * acceptance carries their counters and windows.
 */
export function countCaps(
  caps: readonly PolicyCap[],
  amount: bigint,
  time: { declaredTime: number; usage: (limitIndex: number) => LimitUsage },
): PolicyAcceptance | PolicyRefusal {
  const counted: CountedLimit[] = []
  for (const cap of caps) {
    if (cap.max === 0n) continue
    const result = countLimit({ ...cap, amount, declaredTime: time.declaredTime, usage: time.usage })
    if (!result.ok) return result
    counted.push(result)
  }
  return acceptCounted(counted)
}
