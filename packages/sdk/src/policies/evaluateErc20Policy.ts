import { bytesToHex, isAddress, numberToHex, type Address, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { CalldataReader } from './calldataReader.ts'
import { decodeErc20PolicyConfig } from './erc20PolicyConfig.ts'
import { assertDeclaredTime, countCaps } from './limitCounter.ts'
import { formatAmount, refuse } from './policyRefusal.ts'
import type { Erc20PolicyConfig, LimitUsage, PolicyEvaluation, PolicyRefusal } from './policyTypes.ts'

export type EvaluateErc20PolicyParameters = {
  /** The permission's Erc20Policy config. */
  config: Hex
  /** The account making the call. */
  account: Address
  /** The call's full calldata (to the token), selector included. */
  data: Hex
  /** The time the userOp declares (uint48 seconds). */
  declaredTime: number
  /** The stored counter of each limit: 0 = total, 1 = per period. */
  usage: (limitIndex: number) => LimitUsage
}

/** The token functions the policy allows: their name and argument words (addresses first, the amount last). */
const tokenFunctions: Record<string, { name: string; addresses: readonly string[] }> = {
  '0xa9059cbb': { name: 'transfer', addresses: ['to'] },
  '0x095ea7b3': { name: 'approve', addresses: ['spender'] },
  '0x39509351': { name: 'increaseAllowance', addresses: ['spender'] },
  '0x23b872dd': { name: 'transferFrom', addresses: ['from', 'to'] },
}

/** A token call as the policy sees it: who receives (or may spend) how much. */
type TokenCall = { name: string; recipient: Hex; amount: bigint }

/**
 * What Erc20Policy does with one call to a token (docs/policies.md §4), off chain, in the contract's order:
 * the config, the function, the calldata's shape, transferFrom's `from`, the recipient, the per-call cap,
 * then the total (limit 0) and per-period (limit 1) counters, each kept only when its cap is not 0.
 *
 * Throws {@link InvalidParameterError} for arguments the contract cannot receive.
 */
export function evaluateErc20Policy(parameters: EvaluateErc20PolicyParameters): PolicyEvaluation {
  assertDeclaredTime(parameters.declaredTime)
  if (!isAddress(parameters.account, { strict: false })) throw new InvalidParameterError('account', 'not an address')
  const calldata = new CalldataReader(parameters.data)
  let config: Erc20PolicyConfig
  try {
    config = decodeErc20PolicyConfig(parameters.config)
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error
    return refuse('Erc20ConfigMalformed', [], `the Erc20Policy config is malformed at byte ${error.offset}: ${error.problem}`)
  }
  const call = readTokenCall(calldata, parameters.account.toLowerCase() as Hex)
  if ('ok' in call) return call
  const listed = config.recipients.some((recipient) => recipient.toLowerCase() === call.recipient)
  if (config.recipients.length > 0 && !listed) {
    return refuse('Erc20RecipientRefused', [call.recipient], `${call.name} to ${call.recipient}, which is not a listed recipient`)
  }
  if (config.perCall !== 0n && call.amount > config.perCall) {
    return refuse('Erc20AmountAboveCap', [call.amount, config.perCall], `${call.name} of ${formatAmount(call.amount)} is above the per-call cap of ${formatAmount(config.perCall)}`)
  }
  const caps = [
    { limitIndex: 0, label: 'the total amount', max: config.total, period: 0 },
    { limitIndex: 1, label: 'the amount', max: config.perPeriod, period: config.period },
  ]
  return countCaps(caps, call.amount, parameters)
}

/** The function, recipient and amount of the call, or why the policy refuses it before looking at the amounts. */
function readTokenCall(calldata: CalldataReader, account: Hex): TokenCall | PolicyRefusal {
  const selector = calldata.length < 4n ? '0x00000000' : bytesToHex(calldata.slice(0n, 4n)!)
  const fn = tokenFunctions[selector]
  if (!fn) {
    return refuse('Erc20FunctionRefused', [selector], `function ${selector} is refused: only transfer, approve, increaseAllowance and transferFrom are allowed`)
  }
  const length = BigInt(4 + 32 * (fn.addresses.length + 1))
  if (calldata.length < length) {
    return refuse('Erc20CallMalformed', [], `the ${fn.name} calldata is ${calldata.length} bytes, shorter than ${length}`)
  }
  const words = fn.addresses.map((_, i) => calldata.word(BigInt(4 + 32 * i))!)
  const dirty = words.findIndex((word) => word >> 160n !== 0n)
  if (dirty >= 0) return refuse('Erc20CallMalformed', [], `the ${fn.name} argument ${fn.addresses[dirty]} is not a clean address`)
  const addresses = words.map((word) => numberToHex(word, { size: 20 }))
  const amount = calldata.word(length - 32n)!
  if (fn.name === 'transferFrom' && addresses[0] !== account) {
    return refuse('Erc20FromNotAccount', [addresses[0]!], `transferFrom takes tokens from ${addresses[0]}, not from the account`)
  }
  return { name: fn.name, recipient: addresses[addresses.length - 1]!, amount }
}
