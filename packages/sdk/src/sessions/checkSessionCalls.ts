import { size, slice, zeroAddress, type Address, type Hex } from 'viem'
import type { Call } from '../erc7579/execution.ts'
import type { SessionRule } from '../errors/session.ts'
import type { UserOpCost } from './policyChecker.ts'
import { ANY_SELECTOR, ANY_TARGET, EMPTY_CALLDATA, type Permission, type Session } from './session.ts'

/** A call with its value and data filled in. */
export type ResolvedCall = { to: Address; value: bigint; data: Hex }

/** What the chain says about a session and an account, as far as the checks need it. */
export type SessionChainState = {
  /** Seconds; the latest block's timestamp (see {@link TIME_MARGIN_SECONDS}). */
  now: number
  /** How the session is granted right now. */
  grant: 'granted' | 'revoked' | 'not-granted' | 'not-installed'
  /**
   * Whether `address` is (or may be) a module installed on the account, asked only for any-target permissions:
   * false, or true or a description of what it is (see `installedModule`).
   */
  isInstalledModule?: ((address: Address, selector: Hex) => Promise<boolean | string>) | undefined
  /** Evaluates a policy module for one call; refusals are returned as a reason (see createPolicyChecker). */
  checkPolicy?: ((permissionIndex: number, call: ResolvedCall, declaredTime: number) => Promise<string | undefined>) | undefined
  /** Evaluates the session's gas policy for what the userOp may cost; refusals are returned as a reason. */
  checkGas?: ((cost: UserOpCost, declaredTime: number) => Promise<string | undefined>) | undefined
  /** Remembers the counters `checkPolicy` carries; the returned function puts them back (see createPolicyChecker). */
  snapshot?: (() => () => void) | undefined
}

/**
 * Seconds added to the chain's latest timestamp before comparing with `validUntil` (and taken off for
 * `validAfter`): the op lands in a later block, and Alto checks windows against its own wall clock. A session
 * that ends within this margin is refused off chain rather than sent to fail.
 */
export const TIME_MARGIN_SECONDS = 10

export type CheckSessionCallsParameters = {
  session: Session
  digest: Hex
  account: Address
  manager: Address
  calls: readonly Call[]
  state: SessionChainState
  /** The time the userOp declares (docs/policies.md §1). Default: `state.now`. */
  declaredTime?: number | undefined
  /**
   * What the userOp may cost (its fee, summed gas limits and paymaster), when known: the session's gas policy
   * is then checked before the calls, as the manager does (`_checkGas` before `_checkCalls`). Its counters
   * are not kept: the op's cost is counted once, by the check of the final op.
   */
  cost?: UserOpCost | undefined
}

export type SessionCheckResult =
  | { ok: true; permissionIndices: number[] }
  | { ok: false; callIndex: number; rule: SessionRule; reason: string; details: string[] }

/** `onInstall(bytes)` and `onUninstall(bytes)` of ERC-7579 modules: the manager refuses them under any-target permissions. */
const MODULE_LIFECYCLE = ['0x6d61fe70', '0x8a91b0e3']

/** The canonical EntryPoints v0.6 to v0.9, which the manager never lets a session call. */
const ENTRY_POINTS = [
  '0x5ff137d4b0fdcd49dca30c7cf57e578a026d2789',
  '0x0000000071727de22e5e9d8baf0edac6f37da032',
  '0x4337084d9e255ff0702461cf8895ce9e3b5ff108',
  '0x433709009b8330fda32311df1c2afa402ed8d009',
]

const short = (a: Address) => `${a.slice(0, 6)}…${a.slice(-4)}`

/** Why `permission` does not allow `call` (the manager's order of checks), or undefined when it does. */
async function refusal(
  permission: Permission,
  call: ResolvedCall,
  state: SessionChainState,
): Promise<{ rule: SessionRule; reason: string } | undefined> {
  const selector: Hex = size(call.data) >= 4 ? slice(call.data, 0, 4) : EMPTY_CALLDATA
  // As the manager: whatever the permission names, never a module's onInstall/onUninstall.
  if (MODULE_LIFECYCLE.includes(selector.toLowerCase())) {
    return { rule: 'forbidden-target', reason: `${selector} is a module's onInstall/onUninstall, never called by a session` }
  }
  if (permission.target.toLowerCase() === ANY_TARGET) {
    const installed = state.isInstalledModule ? await state.isInstalledModule(call.to, selector) : false
    if (installed !== false) {
      return { rule: 'forbidden-target', reason: `${short(call.to)} is ${typeof installed === 'string' ? installed : 'a module installed on the account'}` }
    }
  } else if (permission.target.toLowerCase() !== call.to.toLowerCase()) {
    return { rule: 'target', reason: `target ${short(call.to)} is not ${short(permission.target)}` }
  }
  const allowed = permission.selector.toLowerCase()
  let selectorMatches: boolean
  if (allowed === EMPTY_CALLDATA) selectorMatches = size(call.data) === 0
  else if (allowed === ANY_SELECTOR) selectorMatches = size(call.data) >= 4 && permission.policy.toLowerCase() !== zeroAddress
  else selectorMatches = size(call.data) >= 4 && selector.toLowerCase() === allowed
  if (!selectorMatches) {
    const wanted =
      allowed === EMPTY_CALLDATA ? 'a plain transfer (no calldata)' : allowed === ANY_SELECTOR ? 'a function call (4 bytes or more) that its policy checks' : `function ${permission.selector}`
    const got = size(call.data) === 0 ? 'a plain transfer' : size(call.data) < 4 ? `${size(call.data)} bytes of calldata` : `function ${selector}`
    return { rule: 'selector', reason: `${got} is not ${wanted}` }
  }
  if (call.value > permission.valueLimit) {
    return { rule: 'value', reason: `value ${call.value} wei is above the limit of ${permission.valueLimit} wei per call` }
  }
  return undefined
}

/**
 * Evaluates `calls` against a session the way SessionKeyManager does, off chain, and says which rule fails:
 * the grant and window, the gas policy (when `cost` is given), then for each call: never the account or the manager, any-target never an
 * installed module, target, function, value, and the permission's policy. For each call the first
 * permission that allows it is picked; its index goes in the signature.
 */
export async function checkSessionCalls(parameters: CheckSessionCallsParameters): Promise<SessionCheckResult> {
  const { session, account, manager, calls, state } = parameters
  const fail = (callIndex: number, rule: SessionRule, reason: string, details: string[] = []): SessionCheckResult => ({
    ok: false,
    callIndex,
    rule,
    reason,
    details,
  })
  if (state.grant === 'not-installed') {
    return fail(-1, 'not-installed', 'the session manager is not installed on the account (the owner installs it: grantSessions does, or installModule)')
  }
  if (state.grant === 'revoked') return fail(-1, 'revoked', 'the session was revoked')
  if (state.grant === 'not-granted') return fail(-1, 'not-granted', 'the session is not granted to this account (no matching root or record)')
  if (state.now - TIME_MARGIN_SECONDS < session.validAfter) {
    return fail(-1, 'not-yet-valid', `valid from ${new Date(session.validAfter * 1000).toISOString()}; the chain is at ${new Date(state.now * 1000).toISOString()}`)
  }
  if (session.validUntil !== 0 && state.now + TIME_MARGIN_SECONDS > session.validUntil) {
    return fail(-1, 'expired', `valid until ${new Date(session.validUntil * 1000).toISOString()}; the chain is at ${new Date(state.now * 1000).toISOString()} (margin ${TIME_MARGIN_SECONDS} s)`)
  }
  // The manager asks the gas policy before it looks at any call: an op that breaks both is a gas refusal.
  if (parameters.cost && state.checkGas && session.gasPolicy.toLowerCase() !== zeroAddress) {
    const restore = state.snapshot?.()
    const gasReason = await state.checkGas(parameters.cost, parameters.declaredTime ?? state.now)
    restore?.()
    if (gasReason) return fail(-1, 'gas', gasReason)
  }
  if (calls.length === 0) return fail(-1, 'call-data', 'no calls')

  const permissionIndices: number[] = []
  for (const [callIndex, raw] of calls.entries()) {
    const call: ResolvedCall = { to: raw.to, value: raw.value ?? 0n, data: raw.data ?? '0x' }
    const to = call.to.toLowerCase()
    if (to === account.toLowerCase() || to === zeroAddress || to === manager.toLowerCase() || ENTRY_POINTS.includes(to)) {
      const what =
        to === account.toLowerCase() || to === zeroAddress
          ? 'the account itself (address zero is the account in ERC-7579 executions)'
          : to === manager.toLowerCase()
            ? 'the session manager'
            : 'an EntryPoint (the account’s deposit)'
      return fail(callIndex, 'forbidden-target', `a session may never call ${what}`)
    }
    const reasons: string[] = []
    let chosen: number | undefined
    let firstRefusal: { rule: SessionRule; reason: string } | undefined
    for (const [index, permission] of session.permissions.entries()) {
      const refused = await refusal(permission, call, state)
      if (!refused && permission.policy.toLowerCase() !== ANY_TARGET && state.checkPolicy) {
        const policyReason = await state.checkPolicy(index, call, parameters.declaredTime ?? state.now)
        if (policyReason) {
          reasons.push(`permission ${index}: policy ${short(permission.policy)} refuses: ${policyReason}`)
          // A policy's reason says more than another permission's target.
          if (!firstRefusal || firstRefusal.rule === 'target') firstRefusal = { rule: 'policy', reason: policyReason }
          continue
        }
      }
      if (!refused) {
        chosen = index
        break
      }
      reasons.push(`permission ${index}: ${refused.reason}`)
      if (!firstRefusal || (firstRefusal.rule === 'target' && refused.rule !== 'target')) firstRefusal = refused
    }
    if (chosen === undefined) {
      const best = firstRefusal ?? { rule: 'target' as const, reason: 'no permission allows it' }
      return fail(callIndex, best.rule, best.reason, reasons)
    }
    permissionIndices.push(chosen)
  }
  return { ok: true, permissionIndices }
}
