import { formatUnits, parseUnits, zeroAddress, type Address } from 'viem'
import type { PageConfig } from '../common/pageConfig.ts'

/** How an amount of a permission is shown and typed: ETH, the demo token, or base units of another token. */
export type AmountUnit = { symbol: string; decimals: number }

export function unitOf(config: PageConfig, token: Address | undefined): AmountUnit {
  if (token === undefined || token === zeroAddress) return { symbol: 'ETH', decimals: 18 }
  if (token.toLowerCase() === config.token.address.toLowerCase()) return { symbol: config.token.symbol, decimals: config.token.decimals }
  return { symbol: `units of ${token}`, decimals: 0 }
}

export const showAmount = (amount: bigint, unit: AmountUnit) => `${formatUnits(amount, unit.decimals)} ${unit.symbol}`

/** A typed amount in `unit`; undefined when it is not a non-negative decimal with at most `decimals` places. */
export function readAmount(text: string, unit: AmountUnit): bigint | undefined {
  const trimmed = text.trim()
  if (!/^\d+(\.\d+)?$/.test(trimmed) || (trimmed.split('.')[1]?.length ?? 0) > unit.decimals) return undefined
  return parseUnits(trimmed, unit.decimals)
}

export const showTime = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z').replace('T', ' ')
