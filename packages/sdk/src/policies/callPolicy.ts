import { isAddress, toFunctionSelector, toFunctionSignature, type Abi, type AbiFunction, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { resolvePermissionTarget, type PermissionTarget } from '../sessions/anyTarget.ts'
import type { Permission } from '../sessions/session.ts'
import type { CallPolicyArgs, CallPolicyFunctionName } from './callPolicyArgs.ts'
import { encodeCallPolicyConfig } from './callPolicyConfig.ts'
import { argumentRules } from './paramRules.ts'
import type { CallLimit } from './policyTypes.ts'

/** Limits on a permission's calls, kept on chain by CallPolicy. `period` in seconds; absent or 0 = lifetime. */
export type CallPolicyLimits = {
  /** At most `max` calls (per period, or in total). */
  calls?: { max: bigint | number; period?: number | undefined } | undefined
  /** At most `max` wei of native value summed over the calls (needs `valueLimit` above 0). */
  value?: { max: bigint; period?: number | undefined } | undefined
}

export type CallPolicyParameters<
  abi extends Abi | readonly unknown[] = Abi,
  functionName extends CallPolicyFunctionName<abi> = CallPolicyFunctionName<abi>,
> = {
  /**
   * The contract, or `'any-unsafe'`: any contract (an explicit opt-in: it can reach a fallback handler
   * installed on the account for another function). `'any'` is refused here: a call policy always names a
   * function (see `resolvePermissionTarget`).
   */
  address: PermissionTarget
  abi: abi
  /** The function: its name, or its full signature (`'swap(uint256,address)'`) when the name is overloaded. */
  functionName: functionName | CallPolicyFunctionName<abi>
  /**
   * Conditions on the arguments, one entry per parameter (`undefined`: no rule): see `eq`, `lte`, `inRange`,
   * `oneOf`, `sliceEq`, `anyOf`, `total`, `perPeriod`. Tuples take an object keyed by component name, arrays
   * `{ length, first, last, at }`, bytes and strings `sliceEq(…)` or `{ length, slice }`.
   */
  args?: CallPolicyArgs<abi, functionName> | undefined
  /** Most native value per call, in wei. Default 0. */
  valueLimit?: bigint | undefined
  limits?: CallPolicyLimits | undefined
  /**
   * Who evaluates the config. Default: `latchkeyModules.sessionKeyManager`, the manager itself (built in:
   * no call to another contract: ≈3.7k gas less per call). Give the manager's address if yours is not the
   * deterministic deployment, or `latchkeyModules.callPolicy` for the pluggable CallPolicy module (the
   * same rules, evaluated in its own contract).
   */
  policy?: Address | undefined
}

const MAX_UINT32 = 0xffff_ffff

/**
 * A permission to call one function of one contract with conditions on its arguments and limits on its use,
 * checked by the SessionKeyManager's built-in CallPolicy rules (or the CallPolicy module; docs/policies.md §3). The rules' paths into the calldata are computed
 * from the ABI; rule groups follow the argument order (an `anyOf` is one group), limits are the call count,
 * then the value, then the parameters' `total()` / `perPeriod()` in argument order.
 *
 * @example
 * callPolicy({
 *   address: router,
 *   abi: routerAbi,
 *   functionName: 'exactInputSingle',
 *   args: [{ tokenIn: eq(usdc), tokenOut: eq(weth), recipient: eq(account), amountIn: [lte(100_000000n), total(1_000_000000n)] }],
 *   limits: { calls: { max: 10, period: 86_400 } },
 * })
 */
export function callPolicy<const abi extends Abi | readonly unknown[], functionName extends CallPolicyFunctionName<abi>>(
  parameters: CallPolicyParameters<abi, functionName>,
): Permission {
  const { address, abi, functionName, args, valueLimit = 0n, limits, policy = latchkeyModules.sessionKeyManager } = parameters
  if (address !== 'any' && address !== 'any-unsafe' && !isAddress(address, { strict: false })) throw new InvalidParameterError('address', `${String(address)} is not an address`)
  if (!isAddress(policy, { strict: false })) throw new InvalidParameterError('policy', `${String(policy)} is not an address`)
  if (typeof valueLimit !== 'bigint' || valueLimit < 0n) throw new InvalidParameterError('valueLimit', `${String(valueLimit)} is not a wei amount (bigint ≥ 0)`)
  const fn = selectFunction(abi, functionName)
  const target = resolvePermissionTarget(address, toFunctionSelector(fn), 'address')
  if (args !== undefined && !Array.isArray(args)) throw new InvalidParameterError('args', 'an array with one entry per parameter')
  const rules = argumentRules(fn.inputs, (args as readonly unknown[] | undefined) ?? fn.inputs.map(() => undefined))
  const config = encodeCallPolicyConfig({ groups: rules.groups, limits: [...callLimits(limits, valueLimit), ...rules.limits] })
  return {
    target,
    selector: toFunctionSelector(fn),
    valueLimit,
    policy,
    policyConfig: config,
  }
}

/**
 * The function of `abi` that `functionName` names: by name when it is not overloaded, or by full signature.
 * Throws {@link InvalidParameterError} for a name not in the ABI or an overloaded name.
 *
 * @example
 * selectFunction(routerAbi, 'swap(uint256,address)') // the AbiFunction of that overload
 */
export function selectFunction(abi: Abi | readonly unknown[], functionName: string): AbiFunction {
  const functions = (abi as readonly unknown[]).filter((item): item is AbiFunction => typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'function')
  if (functionName.includes('(')) {
    let selector: Hex
    try {
      selector = toFunctionSelector(functionName)
    } catch {
      throw new InvalidParameterError('functionName', `${functionName} is not a function signature`)
    }
    const match = functions.find((fn) => toFunctionSelector(fn) === selector)
    if (!match) throw new InvalidParameterError('functionName', `${functionName} is not in the ABI`)
    return match
  }
  const candidates = functions.filter((fn) => fn.name === functionName)
  if (candidates.length === 0) throw new InvalidParameterError('functionName', `${functionName} is not in the ABI`)
  if (candidates.length > 1) {
    const signatures = candidates.map((fn) => `'${toFunctionSignature(fn)}'`).join(', ')
    throw new InvalidParameterError('functionName', `${functionName} is overloaded in the ABI; give the full signature: one of ${signatures}`)
  }
  return candidates[0]!
}

function callLimits(limits: CallPolicyLimits | undefined, valueLimit: bigint): CallLimit[] {
  if (limits === undefined) return []
  for (const key of Object.keys(limits)) {
    if (key !== 'calls' && key !== 'value') throw new InvalidParameterError(`limits.${key}`, 'unknown limit: expected calls or value')
  }
  const out: CallLimit[] = []
  if (limits.calls !== undefined) {
    const { max, period = 0 } = limits.calls
    if (typeof max === 'number' && !Number.isSafeInteger(max)) throw new InvalidParameterError('limits.calls.max', `${max} is not an integer`)
    if (typeof max !== 'number' && typeof max !== 'bigint') throw new InvalidParameterError('limits.calls.max', `${String(max)} is not an integer`)
    if (BigInt(max) < 1n) throw new InvalidParameterError('limits.calls.max', `${max} lets no call through`)
    out.push({ kind: 'calls', max: BigInt(max), period: checkPeriod(period, 'limits.calls.period') })
  }
  if (limits.value !== undefined) {
    const { max, period = 0 } = limits.value
    if (typeof max !== 'bigint' || max < 0n) throw new InvalidParameterError('limits.value.max', `${String(max)} is not a wei amount (bigint ≥ 0)`)
    if (valueLimit === 0n) throw new InvalidParameterError('limits.value', 'valueLimit is 0, so no call carries value: raise valueLimit or drop the value limit')
    out.push({ kind: 'value', max, period: checkPeriod(period, 'limits.value.period') })
  }
  return out
}

function checkPeriod(period: number, field: string): number {
  if (!Number.isInteger(period) || period < 0 || period > MAX_UINT32) {
    throw new InvalidParameterError(field, `${period} is not a whole number of seconds from 0 (lifetime) to ${MAX_UINT32}`)
  }
  return period
}
