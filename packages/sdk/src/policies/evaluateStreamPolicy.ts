import { bytesToHex, type Address, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { CalldataReader } from './calldataReader.ts'
import { assertDeclaredTime, countLimit } from './limitCounter.ts'
import { refuse } from './policyRefusal.ts'
import type { LimitUsage, PolicyEvaluation } from './policyTypes.ts'
import { decodeStreamPolicyConfig, streamAccrued, type StreamPolicyConfig } from './streamPolicy.ts'

export type EvaluateStreamPolicyParameters = {
  config: Hex
  /** The call. */
  target: Address
  value: bigint
  data: Hex
  declaredTime: number
  /** The stored counter of limit 0 (what the stream has spent). */
  usage: (limitIndex: number) => LimitUsage
}

const TRANSFER = '0xa9059cbb'
const MAX_UINT48 = 2 ** 48 - 1

/**
 * What StreamPolicy does with one call (docs/policies.md §9), off chain, in the contract's order: the config,
 * the call's kind (a plain transfer for a native stream; `transfer` on the token, 68 bytes, no value, a clean
 * recipient for a token stream), then the amount against what has accrued by the declared time less what was
 * spent (limit 0, lifetime). An accepted call's window starts at the declared time.
 */
export function evaluateStreamPolicy(parameters: EvaluateStreamPolicyParameters): PolicyEvaluation {
  assertDeclaredTime(parameters.declaredTime)
  let config: StreamPolicyConfig
  try {
    config = decodeStreamPolicyConfig(parameters.config)
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error
    return refuse('StreamConfigMalformed', [], `the StreamPolicy config is malformed at byte ${error.offset}: ${error.problem}`)
  }
  const amount = streamedAmount(config, parameters)
  if (typeof amount !== 'bigint') return amount
  const accrued = streamAccrued(config, parameters.declaredTime)
  const counted = countLimit({ limitIndex: 0, label: 'the streamed amount', amount, max: accrued, period: 0, declaredTime: parameters.declaredTime, usage: parameters.usage })
  if (!counted.ok) return counted
  return { ok: true, validAfter: Math.min(parameters.declaredTime, MAX_UINT48), validUntil: 0, usage: [counted.update] }
}

function streamedAmount(config: StreamPolicyConfig, call: EvaluateStreamPolicyParameters): bigint | ReturnType<typeof refuse> {
  const data = new CalldataReader(call.data, 'data')
  if (BigInt(config.token) === 0n) {
    if (data.length !== 0n) return refuse('StreamCallRefused', [], 'a native-token stream allows plain transfers only (no calldata)')
    return call.value
  }
  if (call.target.toLowerCase() !== config.token.toLowerCase()) {
    return refuse('StreamTargetRefused', [call.target.toLowerCase()], `the call goes to ${call.target}, not to the stream's token ${config.token}`)
  }
  const selector = data.length < 4n ? undefined : bytesToHex(data.slice(0n, 4n)!)
  if (call.value !== 0n || selector !== TRANSFER) return refuse('StreamCallRefused', [], "a token stream allows the token's transfer(address,uint256) only, with no ETH")
  const recipient = data.word(4n)
  if (data.length !== 68n || recipient === undefined || recipient >> 160n !== 0n) {
    return refuse('StreamCallMalformed', [], 'the transfer calldata is not 68 bytes with a clean recipient address')
  }
  return data.word(36n)!
}
