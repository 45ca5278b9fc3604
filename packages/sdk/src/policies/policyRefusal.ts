import type { PolicyRefusal } from './policyTypes.ts'

/** A refusal: the policy contract reverts with custom error `name(args)`; `reason` says why in a sentence. */
export function refuse(name: string, args: readonly (bigint | string)[], reason: string): PolicyRefusal {
  return { ok: false, error: { name, args }, reason }
}

/** An integer with thousands separators, for reasons: `1200000000n` → `1,200,000,000`. */
export function formatAmount(value: bigint): string {
  const sign = value < 0n ? '-' : ''
  return sign + (value < 0n ? -value : value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}
