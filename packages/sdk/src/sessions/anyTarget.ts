import type { Address, Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ANY_TARGET, EMPTY_CALLDATA } from './session.ts'

/**
 * How a permission names its target: a contract, `'any'` (any address, plain transfers only: no calldata), or
 * `'any-unsafe'` (any address, with a function), an explicit opt-in because the chain cannot guarantee that
 * such a permission never reaches a module installed on the account (see {@link resolvePermissionTarget}).
 */
export type PermissionTarget = Address | 'any' | 'any-unsafe'

/** The explicit spelling of an any-target permission with a function. */
export const ANY_TARGET_UNSAFE = 'any-unsafe'

/**
 * The `Permission.target` for `target`; throws {@link InvalidParameterError} for `'any'` with a function
 * (`selector` other than {@link EMPTY_CALLDATA}). Why: ERC-7579's `isModuleInstalled(3, handler, selector)` is
 * asked per selector, so a fallback handler installed on the account for one function is reachable through
 * another one; asking the target itself during validation breaks ERC-7562 (EOAs, proxies). Any-target with a
 * function also reaches every contract where the account holds something (a `transfer` selector reaches
 * every token). Plain transfers to any address stay allowed with `'any'`.
 */
export function resolvePermissionTarget(target: PermissionTarget, selector: Hex, field = 'target'): Address {
  if (target === 'any') {
    if (selector.toLowerCase() === EMPTY_CALLDATA) return ANY_TARGET
    throw new InvalidParameterError(
      field,
      `'any' with a function (${selector}) is refused: such a permission may reach, on any contract, a fallback handler installed on the account for another function (ERC-7579 asks isModuleInstalled per selector, and the chain cannot ask the target itself within ERC-7562), and every token or contract where the account holds something. Name the contract, or write ${field}: '${ANY_TARGET_UNSAFE}' to accept this (describeSession warns about it). 'any' alone allows plain transfers (no function).`,
    )
  }
  return target === ANY_TARGET_UNSAFE ? ANY_TARGET : target
}
