import { isAddress, zeroAddress, type Address, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { decodeGasPolicyConfig } from './gasPolicyConfig.ts'
import { acceptCounted, assertDeclaredTime, countCaps } from './limitCounter.ts'
import { formatAmount, refuse } from './policyRefusal.ts'
import type { GasPolicyConfig, LimitUsage, PolicyEvaluation } from './policyTypes.ts'

export type EvaluateGasPolicyParameters = {
  /** The session's GasPolicy config. */
  config: Hex
  /** The userOp's paymaster; the zero address when the account pays. */
  paymaster: Address
  /** verificationGasLimit + callGasLimit + preVerificationGas + paymasterVerificationGasLimit + paymasterPostOpGasLimit. */
  gasLimit: bigint
  /** The userOp's maxFeePerGas. */
  maxFeePerGas: bigint
  /** The time the userOp declares (uint48 seconds). */
  declaredTime: number
  /** The stored counter of each limit: 0 = total, 1 = per period. */
  usage: (limitIndex: number) => LimitUsage
}

const MAX_UINT256 = (1n << 256n) - 1n

/**
 * What GasPolicy does with one userOp (docs/policies.md §5), off chain, in the contract's order: the config,
 * the paymaster, the fee per gas, the gas limit, then (self-paid ops only) the total (limit 0) and
 * per-period (limit 1) counters, each kept only when its bound is not 0. A self-paid op counts
 * `gasLimit × maxFeePerGas`, saturated at 2^256 − 1; an op paid by a paymaster moves no counter and
 * returns no window.
 *
 * Throws {@link InvalidParameterError} for arguments the contract cannot receive.
 */
export function evaluateGasPolicy(parameters: EvaluateGasPolicyParameters): PolicyEvaluation {
  assertDeclaredTime(parameters.declaredTime)
  if (!isAddress(parameters.paymaster, { strict: false })) throw new InvalidParameterError('paymaster', 'not an address')
  for (const field of ['gasLimit', 'maxFeePerGas'] as const) {
    const value = parameters[field]
    if (value < 0n || value > MAX_UINT256) throw new InvalidParameterError(field, `${value} is not a uint256`)
  }
  let config: GasPolicyConfig
  try {
    config = decodeGasPolicyConfig(parameters.config)
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error
    return refuse('GasPolicyConfigMalformed', [], `the GasPolicy config is malformed at byte ${error.offset}: ${error.problem}`)
  }
  const paymaster = parameters.paymaster.toLowerCase() as Hex
  const refusal = paymasterRefusal(config, paymaster)
  if (refusal) return refuse('GasPaymasterRefused', [paymaster], refusal)
  const { gasLimit, maxFeePerGas } = parameters
  if (config.maxFeePerGas !== 0n && maxFeePerGas > config.maxFeePerGas) {
    return refuse('GasFeeAboveLimit', [maxFeePerGas, config.maxFeePerGas], `maxFeePerGas ${formatAmount(maxFeePerGas)} wei is above the limit of ${formatAmount(config.maxFeePerGas)} wei`)
  }
  if (config.maxGasLimit !== 0n && gasLimit > config.maxGasLimit) {
    return refuse('GasLimitAboveLimit', [gasLimit, config.maxGasLimit], `the gas limit ${formatAmount(gasLimit)} is above the limit of ${formatAmount(config.maxGasLimit)}`)
  }
  if (paymaster !== zeroAddress) return acceptCounted([]) // paid by a paymaster: counts nothing, no window
  const cost = gasLimit * maxFeePerGas > MAX_UINT256 ? MAX_UINT256 : gasLimit * maxFeePerGas
  const caps = [
    { limitIndex: 0, label: 'the wei paid for gas in total', max: config.total, period: 0 },
    { limitIndex: 1, label: 'the wei paid for gas', max: config.perPeriod, period: config.period },
  ]
  return countCaps(caps, cost, parameters)
}

/** Why the paymaster mode refuses `paymaster` (zero: the account pays), or undefined when it allows it. */
function paymasterRefusal(config: GasPolicyConfig, paymaster: Hex): string | undefined {
  const listed = config.paymasters.some((p) => p.toLowerCase() === paymaster)
  switch (config.paymasterMode) {
    case 'any':
      return undefined
    case 'none':
      return paymaster === zeroAddress ? undefined : `paymaster ${paymaster} is refused: the account must pay for its own gas`
    case 'noneOrListed':
      return paymaster === zeroAddress || listed ? undefined : `paymaster ${paymaster} is refused: it is not listed`
    case 'listed':
      if (paymaster === zeroAddress) return 'the account may not pay for its own gas: a listed paymaster must pay'
      return listed ? undefined : `paymaster ${paymaster} is refused: it is not listed`
  }
}
