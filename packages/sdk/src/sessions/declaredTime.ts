import type { Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { decodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import { decodeErc20PolicyConfig } from '../policies/erc20PolicyConfig.ts'
import { decodeGasPolicyConfig } from '../policies/gasPolicyConfig.ts'
import type { Session } from './session.ts'
import { evaluatesCallRules, evaluatesGasRules, type PolicyModules } from './policyModules.ts'

export type { PolicyModules } from './policyModules.ts'

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

/**
 * The periods (seconds) of every periodic limit in the session that the SDK can read (the CallPolicy,
 * Erc20Policy and GasPolicy configs; malformed configs are skipped here and refused by the check).
 */
export function sessionPeriods(session: Session, modules: PolicyModules = latchkeyModules): number[] {
  const periods = new Set<number>()
  const tryAdd = (read: () => number[]) => {
    try {
      for (const period of read()) if (period > 0) periods.add(period)
    } catch {
      // A config the SDK cannot read has no period it knows of.
    }
  }
  for (const permission of session.permissions) {
    if (evaluatesCallRules(permission.policy, modules)) {
      tryAdd(() => decodeCallPolicyConfig(permission.policyConfig).limits.map((limit) => limit.period))
    } else if (same(permission.policy, modules.erc20Policy)) {
      tryAdd(() => [decodeErc20PolicyConfig(permission.policyConfig).period])
    }
  }
  if (evaluatesGasRules(session.gasPolicy, modules)) tryAdd(() => [decodeGasPolicyConfig(session.gasPolicyConfig).period])
  return [...periods]
}

/**
 * Whether a permission of the session is a stream (StreamPolicy): its op is valid only from the time it
 * declares, so it declares a time the chain has reached.
 */
export function sessionHasStream(session: Session, modules: PolicyModules = latchkeyModules): boolean {
  return modules.streamPolicy !== undefined && session.permissions.some((permission) => same(permission.policy, modules.streamPolicy!))
}

/**
 * The time a userOp declares (docs/policies.md §1): `now`, unless a period of the session ends within
 * `margin` seconds, in which case the op would likely expire before it lands: then `wait` says how many
 * seconds to wait for the next period to begin (and `now + wait` is declared).
 */
export function chooseDeclaredTime(now: number, periods: readonly number[], margin: number): { declaredTime: number; wait: number } {
  let time = now
  // Waiting for one period may land near the end of another (periods that do not divide each other): repeat.
  for (let round = 0; round < 16; round++) {
    let wait = 0
    for (const period of periods) {
      const left = period - (time % period) // seconds until the period after `time` begins
      if (left <= margin && period > margin) wait = Math.max(wait, left)
    }
    if (wait === 0) break
    time += wait
  }
  return { declaredTime: time, wait: time - now }
}

/**
 * The bound the session's GasPolicy puts on an op's summed gas limits, if it has one the SDK can read
 * (`maxGasLimit`), else undefined.
 */
export function sessionGasLimitBound(session: Session, modules: PolicyModules = latchkeyModules): bigint | undefined {
  if (!evaluatesGasRules(session.gasPolicy, modules)) return undefined
  try {
    const bound = decodeGasPolicyConfig(session.gasPolicyConfig).maxGasLimit
    return bound === 0n ? undefined : bound
  } catch {
    return undefined
  }
}
