import { isAddress, zeroAddress, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { encodeGasPolicyConfig } from './gasPolicyConfig.ts'
import type { PaymasterMode } from './policyTypes.ts'

export type GasPolicyParameters = {
  /** Most `maxFeePerGas` a userOp may offer, in wei per gas. Default: no bound. */
  maxFeePerGas?: bigint | undefined
  /** Most total gas a userOp may reserve (all its gas limits summed). Default: no bound. */
  maxGasLimit?: bigint | undefined
  /** Most wei the account may pay for gas over the session's life (each self-paid op counts its prefund). Default: no bound. */
  total?: bigint | undefined
  /** Most wei the account may pay per period of `period` seconds. Default: no bound. */
  perPeriod?: { max: bigint; period: number } | undefined
  /**
   * Which paymasters the session's userOps may use: `'any'` (or none: the default), `'none'` (the account
   * always pays), `{ allow }` (none or one of them), `{ allow, required: true }` (one of them, always).
   */
  paymaster?: 'any' | 'none' | { allow: readonly Address[]; required?: boolean | undefined } | undefined
  /**
   * Who evaluates the config. Default: `latchkeyModules.sessionKeyManager`, the manager itself (built in: no
   * call to another contract, ≈4k gas less per userOp; docs/policies.md §5). `latchkeyModules.gasPolicy` is
   * the same rules as a module. A session for a manager elsewhere names that manager.
   */
  policy?: Address | undefined
}

/** A session's gas policy: what `createSession({ gas })` takes. */
export type GasPolicyReturnType = { policy: Address; config: Hex }

const MAX_UINT32 = 0xffff_ffff
const MAX_UINT128 = (1n << 128n) - 1n

/**
 * Bounds on what each userOp of a session may cost the account, checked by the GasPolicy module once per
 * userOp (docs/policies.md §5): the fee per gas, the gas, the wei the account pays in total and per period
 * (each self-paid op counts its largest possible cost, `gasLimit × maxFeePerGas`), and the paymaster.
 * Without a gas policy a stolen session key can spend the account's ETH on fees.
 *
 * @example
 * createSession({ signer, validFor: 86_400, permissions, gas: gasPolicy({ maxFeePerGas: parseGwei('50'), total: parseEther('0.05') }) })
 */
export function gasPolicy(parameters: GasPolicyParameters = {}): GasPolicyReturnType {
  const { maxFeePerGas = 0n, maxGasLimit = 0n, total = 0n, perPeriod, paymaster = 'any', policy = latchkeyModules.sessionKeyManager } = parameters
  if (!isAddress(policy, { strict: false })) throw new InvalidParameterError('policy', `${String(policy)} is not an address`)
  bound(maxFeePerGas, 'maxFeePerGas')
  bound(maxGasLimit, 'maxGasLimit')
  bound(total, 'total')
  if (perPeriod !== undefined) {
    bound(perPeriod.max, 'perPeriod.max')
    if (perPeriod.max === 0n) throw new InvalidParameterError('perPeriod.max', '0 means no bound: leave perPeriod out for none')
    if (!Number.isInteger(perPeriod.period) || perPeriod.period < 1 || perPeriod.period > MAX_UINT32) {
      throw new InvalidParameterError('perPeriod.period', `${perPeriod.period} is not a whole number of seconds from 1 to ${MAX_UINT32}`)
    }
  }
  let paymasterMode: PaymasterMode
  let paymasters: readonly Address[] = []
  if (paymaster === 'any' || paymaster === 'none') paymasterMode = paymaster
  else if (typeof paymaster === 'object' && paymaster !== null && Array.isArray(paymaster.allow)) {
    paymasters = paymaster.allow
    paymasterMode = paymaster.required === true ? 'listed' : 'noneOrListed'
    if (paymasters.length === 0) throw new InvalidParameterError('paymaster.allow', "empty: use 'none' for no paymaster")
    if (paymasters.length > 255) throw new InvalidParameterError('paymaster.allow', `${paymasters.length} paymasters: at most 255`)
    paymasters.forEach((address, i) => {
      if (!isAddress(address, { strict: false })) throw new InvalidParameterError(`paymaster.allow[${i}]`, `${String(address)} is not an address`)
      if (address.toLowerCase() === zeroAddress) throw new InvalidParameterError(`paymaster.allow[${i}]`, 'the zero address means no paymaster')
    })
  } else throw new InvalidParameterError('paymaster', `expected 'any', 'none' or { allow, required }`)
  const config = encodeGasPolicyConfig({
    maxFeePerGas,
    maxGasLimit,
    total,
    perPeriod: perPeriod?.max ?? 0n,
    period: perPeriod?.period ?? 0,
    paymasterMode,
    paymasters,
  })
  return { policy, config }
}

function bound(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT128) throw new InvalidParameterError(field, `${String(value)} is not a uint128 bigint`)
}
