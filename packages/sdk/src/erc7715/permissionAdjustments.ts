import { InvalidParameterError } from '../errors/userOperation.ts'
import type { ParsedPermissionRequest, PermissionData } from './executionPermission.ts'

/** Amount fields an owner may lower before approving, by permission type. */
export type AdjustableAmount = 'allowanceAmount' | 'periodAmount' | 'initialAmount' | 'maxAmount' | 'amountPerSecond'

/**
 * What an owner may change before approving a request: only ever towards less. Amounts may go down, a
 * period may get longer, a start later, the expiry sooner. The expiry may always be shortened; the rest
 * only when the dApp sent `isAdjustmentAllowed` (absent counts as allowed, as in MetaMask's wallet).
 */
export type PermissionAdjustments = {
  amounts?: Partial<Record<AdjustableAmount, bigint>> | undefined
  periodDuration?: number | undefined
  startTime?: number | undefined
  /** Unix seconds, strict (the permission is usable while now < expiry). */
  expiry?: number | undefined
}

const POSITIVE: readonly AdjustableAmount[] = ['allowanceAmount', 'periodAmount', 'maxAmount', 'amountPerSecond']

/**
 * The request with the owner's adjustments applied. Throws {@link InvalidParameterError} naming the
 * adjustment when it would grant more than asked (a higher amount, a shorter period, an earlier start, a
 * later expiry), when the request does not allow adjustments, or when the field is not one of its type.
 */
export function adjustPermissionRequest(request: ParsedPermissionRequest & { expiry: number }, adjustments: PermissionAdjustments): ParsedPermissionRequest & { expiry: number } {
  const adjusted = { ...request, data: { ...request.data } as PermissionData }
  const fields = adjusted.data as unknown as Record<string, unknown>
  const { amounts = {}, periodDuration, startTime, expiry } = adjustments
  if (expiry !== undefined) {
    if (!Number.isInteger(expiry) || expiry <= 0 || expiry > request.expiry) throw new InvalidParameterError('adjustments.expiry', `must be a time after 1970 and no later than the request's ${request.expiry}`)
    adjusted.expiry = expiry
  }
  const changes = Object.keys(amounts).length + (periodDuration === undefined ? 0 : 1) + (startTime === undefined ? 0 : 1)
  if (changes > 0 && !request.isAdjustmentAllowed) throw new InvalidParameterError('adjustments', 'the dApp did not allow adjustments (isAdjustmentAllowed: false): only the expiry may change')
  for (const [field, value] of Object.entries(amounts) as [AdjustableAmount, bigint | undefined][]) {
    const current = fields[field]
    if (typeof current !== 'bigint') throw new InvalidParameterError(`adjustments.amounts.${field}`, `is not a field of ${request.data.type}`)
    if (typeof value !== 'bigint' || value < 0n || value > current) throw new InvalidParameterError(`adjustments.amounts.${field}`, `must be from 0 to the requested ${current}`)
    if (value === 0n && POSITIVE.includes(field)) throw new InvalidParameterError(`adjustments.amounts.${field}`, 'must be above 0 (reject the request instead)')
    fields[field] = value
  }
  if (adjusted.data.type.endsWith('-stream') && (fields.maxAmount as bigint) < (fields.initialAmount as bigint)) {
    throw new InvalidParameterError('adjustments.amounts.maxAmount', 'must be at least initialAmount')
  }
  if (periodDuration !== undefined) {
    if (!('periodDuration' in adjusted.data) || typeof adjusted.data.periodDuration !== 'number') throw new InvalidParameterError('adjustments.periodDuration', `is not a field of ${request.data.type}`)
    if (!Number.isInteger(periodDuration) || periodDuration < adjusted.data.periodDuration || periodDuration > 10 * 365 * 86_400) {
      throw new InvalidParameterError('adjustments.periodDuration', `must be whole seconds, at least the requested ${adjusted.data.periodDuration} and at most ten years`)
    }
    adjusted.data.periodDuration = periodDuration
  }
  if (startTime !== undefined) {
    if (!('startTime' in adjusted.data) && adjusted.data.type === 'latchkey-session') throw new InvalidParameterError('adjustments.startTime', 'is not a field of latchkey-session')
    const requested = 'startTime' in adjusted.data && typeof adjusted.data.startTime === 'number' ? adjusted.data.startTime : 0
    if (!Number.isInteger(startTime) || startTime < requested || startTime >= adjusted.expiry) {
      throw new InvalidParameterError('adjustments.startTime', `must be whole seconds, no earlier than the requested ${requested} and before the expiry`)
    }
    ;(adjusted.data as { startTime?: number }).startTime = startTime
  }
  return adjusted
}
