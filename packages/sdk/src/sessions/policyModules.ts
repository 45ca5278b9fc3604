import type { Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

/**
 * Addresses of the policy modules whose configs the SDK reads (default: the deterministic deployments), and
 * of the SessionKeyManager, which evaluates CallPolicy configs itself when a permission names it.
 */
export type PolicyModules = { callPolicy: Address; erc20Policy: Address; gasPolicy: Address; sessionKeyManager?: Address | undefined }

/**
 * Whether `policy` evaluates a CallPolicy config: the CallPolicy module, or the SessionKeyManager itself
 * (its built-in fast path, docs/policies.md §3).
 */
export function evaluatesCallRules(policy: Address, modules: PolicyModules = latchkeyModules): boolean {
  return same(policy, modules.callPolicy) || (modules.sessionKeyManager !== undefined && same(policy, modules.sessionKeyManager))
}

/**
 * The first permission of `session` that names the deterministic SessionKeyManager as its policy (the
 * built-in CallPolicy rules) while the session is for another manager, which would call it as a policy
 * module and refuse every call; undefined when there is none.
 */
export function misdirectedBuiltInPolicy(session: { permissions: readonly { policy: Address }[] }, manager: Address): number | undefined {
  if (same(manager, latchkeyModules.sessionKeyManager)) return undefined
  const index = session.permissions.findIndex((permission) => same(permission.policy, latchkeyModules.sessionKeyManager))
  return index < 0 ? undefined : index
}
