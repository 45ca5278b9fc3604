import type { GrantedExecutionPermission, SessionAllowance } from '@latchkey/sdk'
import type { PageConfig } from '../common/pageConfig.ts'
import { showAmount, showTime, unitOf } from './amounts.ts'

/** One line for a limit: what is left of it, and until when for a periodic one. */
export function allowanceLine(config: PageConfig, allowance: SessionAllowance): string {
  const unit = unitOf(config, allowance.kind === 'value' || allowance.kind === 'gas' ? undefined : allowance.token)
  const until = allowance.periodEndsAt === undefined ? '' : ` this period (until ${showTime(allowance.periodEndsAt)})`
  switch (allowance.kind) {
    case 'calls':
      return `${allowance.remaining} of ${allowance.max} calls left${until}`
    case 'gas':
      return `${showAmount(allowance.remaining, unit)} of ${showAmount(allowance.max, unit)} left for fees${until}`
    case 'stream':
      return `${showAmount(allowance.remaining, unit)} available now (${showAmount(allowance.used, unit)} spent; ${showAmount(allowance.stream!.amountPerSecond, unit)} more every second, up to ${showAmount(allowance.stream!.maxAmount, unit)} in all)`
    default:
      return `${showAmount(allowance.remaining, unit)} of ${showAmount(allowance.max, unit)} left${until}`
  }
}

/** A session's state in words ('not-granted': its root or approval was dropped by a revoke-all). */
const STATUS: Record<GrantedExecutionPermission['latchkey']['status'], string> = {
  pending: 'not started yet',
  active: 'active',
  exhausted: 'used up',
  expired: 'expired',
  revoked: 'revoked',
  'not-granted': 'revoked (all)',
}

/** The granted permissions as cards: type, state, key, expiry, what is left of each limit, and a Revoke button. */
export function renderSessions(config: PageConfig, list: HTMLElement, granted: readonly GrantedExecutionPermission[], revoke: (context: `0x${string}`) => void): void {
  list.replaceChildren()
  granted.forEach((permission, i) => {
    const item = document.createElement('li')
    item.className = `card state-${permission.latchkey.status}`
    const heading = document.createElement('h3')
    heading.textContent = `${i + 1}. ${permission.permission.type} — ${STATUS[permission.latchkey.status]}`
    item.append(heading)
    const facts = document.createElement('ul')
    const expiry = permission.rules.find((rule) => rule.type === 'expiry')?.data.timestamp as number | undefined
    const lines = [
      ...(typeof permission.permission.data.justification === 'string' ? [`“${permission.permission.data.justification}”`] : []),
      `Session key ${permission.to}`,
      ...(expiry === undefined ? [] : [`Expires ${showTime(expiry)}`]),
      ...permission.latchkey.allowances.map((allowance) => allowanceLine(config, allowance)),
    ]
    for (const line of lines) {
      const li = document.createElement('li')
      li.textContent = line
      facts.append(li)
    }
    item.append(facts)
    // A revoked session (or one dropped by a revoke-all) has nothing left to revoke.
    if (permission.latchkey.status === 'revoked' || permission.latchkey.status === 'not-granted') {
      list.append(item)
      return
    }
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'danger'
    button.textContent = 'Revoke'
    button.setAttribute('aria-label', `Revoke permission ${i + 1} (${permission.permission.type})`)
    button.addEventListener('click', () => revoke(permission.context))
    item.append(button)
    list.append(item)
  })
}
