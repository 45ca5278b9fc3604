import type { ParsedPermissionRequest } from '@latchkey/sdk'
import type { PageConfig } from '../common/pageConfig.ts'
import { showAmount, showTime, unitOf } from './amounts.ts'

/** A period in words: "hour", "day", "7 days", or seconds. */
function period(seconds: number): string {
  for (const [unit, size] of [['day', 86_400], ['hour', 3600], ['minute', 60]] as const) {
    if (seconds % size === 0) return seconds === size ? unit : `${seconds / size} ${unit}s`
  }
  return `${seconds} seconds`
}

/**
 * The request in one sentence, in token units, from what the wallet knows the type means (the session's
 * exact text follows it on the consent screen): "Transfers of up to 100 LKUSD per hour, to anyone".
 */
export function permissionSummary(config: PageConfig, request: ParsedPermissionRequest): string {
  const data = request.data
  if (data.type === 'latchkey-session') return `Calls as listed below (${data.permissions.length} permission${data.permissions.length === 1 ? '' : 's'}).`
  const unit = unitOf(config, data.token)
  const what = data.token === undefined ? 'Plain ETH transfers' : `${unit.symbol} transfers (transfer only: no approvals)`
  const start = data.startTime === undefined ? '' : `, starting ${showTime(data.startTime)}`
  switch (data.type) {
    case 'native-token-allowance':
    case 'erc20-token-allowance':
      return `${what} to anyone, up to ${showAmount(data.allowanceAmount, unit)} in all${start}.`
    case 'native-token-periodic':
    case 'erc20-token-periodic':
      return `${what} to anyone, up to ${showAmount(data.periodAmount, unit)} per ${period(data.periodDuration)} (periods counted from 1970, UTC)${start}.`
    default:
      return `${what} to anyone: ${showAmount(data.initialAmount, unit)} at once, then ${showAmount(data.amountPerSecond, unit)} more each second, up to ${showAmount(data.maxAmount, unit)} in all${start}.`
  }
}
