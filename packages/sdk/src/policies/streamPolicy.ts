import { getAddress, isAddress, zeroAddress, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ANY_TARGET, EMPTY_CALLDATA, type Permission } from '../sessions/session.ts'
import { ConfigReader } from './configReader.ts'
import { ConfigWriter } from './configWriter.ts'

/*
 * The StreamPolicy config format, docs/policies.md §9:
 *   token (20, zero = the native token) ‖ initialAmount (32) ‖ maxAmount (32) ‖ amountPerSecond (32) ‖ startTime (6)
 */

/** A stream: what may have been moved in total by time t is `min(initialAmount + amountPerSecond × (t − startTime), maxAmount)`. */
export type StreamPolicyConfig = {
  /** The ERC-20 token, or the zero address for the native token. */
  token: Address
  initialAmount: bigint
  maxAmount: bigint
  amountPerSecond: bigint
  /** Unix seconds; nothing accrues before. */
  startTime: number
}

const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT128 = (1n << 128n) - 1n

/** The bytes StreamPolicy reads. Throws {@link InvalidParameterError} naming a field that cannot be encoded or breaks the format's rules. */
export function encodeStreamPolicyConfig(config: StreamPolicyConfig): Hex {
  if (config.maxAmount < config.initialAmount) throw new InvalidParameterError('config.maxAmount', 'must be at least initialAmount')
  if (config.amountPerSecond === 0n) throw new InvalidParameterError('config.amountPerSecond', 'must be above 0')
  return new ConfigWriter()
    .address(config.token, 'config.token')
    .uint(config.initialAmount, 32, 'config.initialAmount')
    .uint(config.maxAmount, 32, 'config.maxAmount')
    .uint(config.amountPerSecond, 32, 'config.amountPerSecond')
    .uint(config.startTime, 6, 'config.startTime')
    .toHex()
}

/** The structured form of StreamPolicy config bytes. Throws {@link PolicyConfigError} where the contract reverts with `StreamConfigMalformed()`. */
export function decodeStreamPolicyConfig(config: Hex): StreamPolicyConfig {
  const reader = new ConfigReader('StreamPolicy', config)
  const token = getAddress(reader.bytes(20, 'the token'))
  const initialAmount = reader.uint(32, 'initialAmount')
  const maxAmount = reader.uint(32, 'maxAmount')
  const amountPerSecond = reader.uint(32, 'amountPerSecond')
  const startTime = reader.number(6, 'startTime')
  reader.end('startTime')
  if (maxAmount < initialAmount) reader.fail('maxAmount below initialAmount', 52)
  if (amountPerSecond === 0n) reader.fail('an amountPerSecond of 0', 84)
  return { token, initialAmount, maxAmount, amountPerSecond, startTime }
}

/** What the stream has made available by `time`, in total (before what was spent): as StreamPolicy's `accrued`. */
export function streamAccrued(config: StreamPolicyConfig, time: number): bigint {
  if (time < config.startTime) return 0n
  const streamed = config.amountPerSecond * BigInt(time - config.startTime)
  return streamed > config.maxAmount - config.initialAmount ? config.maxAmount : config.initialAmount + streamed
}

export type StreamPolicyParameters = {
  /** The ERC-20 token; absent for the native token. */
  token?: Address | undefined
  /** Available at `startTime`. Default 0. */
  initialAmount?: bigint | undefined
  /** The most ever available. Default: no cap (2^256 − 1). */
  maxAmount?: bigint | undefined
  /** Accrues every second from `startTime`. */
  amountPerSecond: bigint
  /** Unix seconds. */
  startTime: number
  /** The StreamPolicy module. Default: `latchkeyModules.streamPolicy`. */
  policy?: Address | undefined
}

/**
 * A permission whose total grows with time (ERC-7715 token streams), checked by the StreamPolicy module: plain
 * native transfers to any address (but the account, its modules, the manager and the EntryPoints), or
 * `transfer` on one ERC-20 token, their amounts together at most what has accrued by the op's declared time.
 *
 * @example
 * streamPolicy({ token: usdc, amountPerSecond: 1_000n, maxAmount: 100_000_000n, startTime: now }) // 0.001 USDC a second, at most 100
 */
export function streamPolicy(parameters: StreamPolicyParameters): Permission {
  const { token = zeroAddress, initialAmount = 0n, maxAmount = MAX_UINT256, amountPerSecond, startTime, policy = latchkeyModules.streamPolicy } = parameters
  if (!isAddress(token, { strict: false })) throw new InvalidParameterError('token', `${String(token)} is not an address`)
  if (!isAddress(policy, { strict: false })) throw new InvalidParameterError('policy', `${String(policy)} is not an address`)
  const native = token.toLowerCase() === zeroAddress
  return {
    // A native stream pays anyone (plain transfers); a token stream calls the token only.
    target: native ? ANY_TARGET : token,
    selector: native ? EMPTY_CALLDATA : '0xa9059cbb',
    valueLimit: native ? (maxAmount > MAX_UINT128 ? MAX_UINT128 : maxAmount) : 0n,
    policy,
    policyConfig: encodeStreamPolicyConfig({ token, initialAmount, maxAmount, amountPerSecond, startTime }),
  }
}
