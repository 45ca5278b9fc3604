import type { Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

/**
 * Addresses of the policy modules whose configs the SDK reads (default: the deterministic deployments), and
 * of the SessionKeyManager, which evaluates CallPolicy configs itself when a permission names it.
 */
export type PolicyModules = {
  callPolicy: Address
  erc20Policy: Address
  gasPolicy: Address
  streamPolicy?: Address | undefined
  sessionKeyManager?: Address | undefined
}

/**
 * Whether `policy` evaluates a CallPolicy config: the CallPolicy module, or the SessionKeyManager itself
 * (its built-in fast path, docs/policies.md §3).
 */
export function evaluatesCallRules(policy: Address, modules: PolicyModules = latchkeyModules): boolean {
  return same(policy, modules.callPolicy) || (modules.sessionKeyManager !== undefined && same(policy, modules.sessionKeyManager))
}

/**
 * Whether `gasPolicy` evaluates a GasPolicy config: the GasPolicy module, or the SessionKeyManager itself
 * (its built-in fast path, docs/policies.md §5).
 */
export function evaluatesGasRules(gasPolicy: Address, modules: PolicyModules = latchkeyModules): boolean {
  return same(gasPolicy, modules.gasPolicy) || (modules.sessionKeyManager !== undefined && same(gasPolicy, modules.sessionKeyManager))
}

/**
 * Where `session` names the deterministic SessionKeyManager as a policy (its built-in CallPolicy rules: the
 * index of the first such permission) or as its gas policy (the built-in GasPolicy rules: `'gas'`) while the
 * session is for another manager, which would call it as a policy module and refuse every op; undefined
 * when it does not.
 */
export function misdirectedBuiltInPolicy(session: { permissions: readonly { policy: Address }[]; gasPolicy?: Address | undefined }, manager: Address): number | 'gas' | undefined {
  if (same(manager, latchkeyModules.sessionKeyManager)) return undefined
  const index = session.permissions.findIndex((permission) => same(permission.policy, latchkeyModules.sessionKeyManager))
  if (index >= 0) return index
  return session.gasPolicy !== undefined && same(session.gasPolicy, latchkeyModules.sessionKeyManager) ? 'gas' : undefined
}
