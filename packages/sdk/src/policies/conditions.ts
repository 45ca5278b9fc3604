import { isHex, size, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * Conditions on one ABI parameter, for `callPolicy({ args })`. Each builder returns a value that remembers
 * the primitive type it compares with (`eq(usdc)` is a `Condition<Address>`), so that `args`, typed from the
 * ABI, only takes conditions of the parameter's own type: `eq(5n)` on an `address` parameter does not
 * compile. How a value becomes a 32-byte word (signedness, left-aligned `bytesN`, `bool` as 0/1) is decided
 * later, from the parameter's ABI type (docs/policies.md §3.2–§3.3).
 */

/** The values conditions compare with: `number | bigint` for integers, `Address` / `Hex` strings, `boolean`. */
export type ConditionValue = bigint | number | boolean | string

declare const bytesSliceType: unique symbol
/**
 * The (type-level only) value type of conditions on `bytes` and `string` parameters: a slice of their
 * content ({@link sliceEq}). Nothing has this type at run time.
 */
export type BytesSlice = { readonly [bytesSliceType]: true }

/** Operators that compare the parameter with one value. Order comparisons are signed for `intN` parameters. */
export type ComparisonKind = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte'

/** Operators on the bits of the parameter's word. */
export type BitsKind = 'bitsAll' | 'bitsAny' | 'bitsNone'

/**
 * A condition on a parameter whose values are of type `value`. Build it with {@link eq}, {@link lte},
 * {@link inRange}, {@link oneOf}, {@link bitsAll}, {@link sliceEq}, {@link anyOf}…; the fields are what the
 * builder was given.
 */
export type Condition<value = ConditionValue | BytesSlice> =
  | { readonly type: 'condition'; readonly op: ComparisonKind; readonly value: value }
  | { readonly type: 'condition'; readonly op: 'inRange'; readonly min: value; readonly max: value }
  | { readonly type: 'condition'; readonly op: 'oneOf'; readonly values: readonly value[] }
  | { readonly type: 'condition'; readonly op: BitsKind; readonly mask: value }
  | { readonly type: 'condition'; readonly op: 'anyOf'; readonly conditions: readonly Condition<value>[] }
  | { readonly type: 'condition'; readonly op: 'sliceEq'; readonly start: number; readonly bytes: Hex }

/**
 * A limit on the running total of an unsigned parameter, kept on chain by the policy (a PARAM limit,
 * docs/policies.md §3.4): at most `max` summed over the calls, for the session's life (`period` 0) or per
 * period of `period` seconds. Build it with {@link total} or {@link perPeriod}.
 */
export type ParamLimit = { readonly type: 'paramLimit'; readonly max: bigint; readonly period: number }

const MAX_UINT16 = 0xffff
const MAX_UINT32 = 0xffff_ffff

/**
 * The parameter equals `value`.
 *
 * @example
 * callPolicy({ address: nft, abi: nftAbi, functionName: 'safeMint', args: [eq(account)] })
 */
export function eq<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'eq', value }
}

/**
 * The parameter differs from `value`.
 *
 * @example
 * args: [neq(zeroAddress)]
 */
export function neq<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'neq', value }
}

/**
 * The parameter is below `value` (a signed comparison for `intN` parameters).
 *
 * @example
 * args: [lt(1_000n)]
 */
export function lt<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'lt', value }
}

/**
 * The parameter is at most `value` (a signed comparison for `intN` parameters).
 *
 * @example
 * args: [{ amountIn: lte(100_000000n) }] // at most 100 USDC per call
 */
export function lte<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'lte', value }
}

/**
 * The parameter is above `value` (a signed comparison for `intN` parameters).
 *
 * @example
 * args: [undefined, gt(0n)]
 */
export function gt<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'gt', value }
}

/**
 * The parameter is at least `value` (a signed comparison for `intN` parameters).
 *
 * @example
 * args: [{ amountOutMinimum: gte(1n) }]
 */
export function gte<const value extends ConditionValue>(value: value): Condition<value> {
  return { type: 'condition', op: 'gte', value }
}

/**
 * `min ≤ parameter ≤ max` (signed for `intN` parameters).
 *
 * @example
 * callPolicy({ address: game, abi: gameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)] })
 */
export function inRange<const value extends ConditionValue>(min: value, max: value): Condition<value> {
  return { type: 'condition', op: 'inRange', min, max }
}

/**
 * The parameter is one of `values` (at least one, at most 255).
 *
 * @example
 * args: [{ tokenOut: oneOf(weth, dai) }]
 */
export function oneOf<const value extends ConditionValue>(...values: readonly value[]): Condition<value> {
  if (values.length === 0) throw new InvalidParameterError('oneOf', 'give at least one value')
  if (values.length > 255) throw new InvalidParameterError('oneOf', `${values.length} values: at most 255`)
  return { type: 'condition', op: 'oneOf', values: [...values] }
}

/**
 * Every bit set in `mask` is set in the parameter. For `intN` parameters a mask is a bit pattern of the
 * value's low N bits (`0x80` is int8's sign bit) or a negative number, sign-extended like a value.
 *
 * @example
 * args: [bitsAll(0b0101n)]
 */
export function bitsAll<const value extends ConditionValue>(mask: value): Condition<value> {
  return { type: 'condition', op: 'bitsAll', mask }
}

/**
 * At least one bit set in `mask` is set in the parameter.
 *
 * @example
 * args: [bitsAny(0b0110n)]
 */
export function bitsAny<const value extends ConditionValue>(mask: value): Condition<value> {
  return { type: 'condition', op: 'bitsAny', mask }
}

/**
 * No bit set in `mask` is set in the parameter.
 *
 * @example
 * args: [bitsNone(1n << 255n)]
 */
export function bitsNone<const value extends ConditionValue>(mask: value): Condition<value> {
  return { type: 'condition', op: 'bitsNone', mask }
}

/**
 * For a `bytes` or `string` parameter: its bytes from `start` equal `bytes` (SLICE_EQ). A parameter shorter
 * than `start + size(bytes)` fails the condition.
 *
 * @example
 * // A Uniswap V3 path that starts with USDC:
 * args: [{ path: sliceEq(0, usdc), recipient: eq(account) }]
 */
export function sliceEq(start: number, bytes: Hex): Condition<BytesSlice> {
  if (!Number.isInteger(start) || start < 0 || start > MAX_UINT16) throw new InvalidParameterError('sliceEq start', `${start} is not an integer from 0 to 65535`)
  if (!isHex(bytes, { strict: true }) || bytes.length % 2 !== 0) throw new InvalidParameterError('sliceEq bytes', 'not hex bytes')
  if (size(bytes) === 0) throw new InvalidParameterError('sliceEq bytes', 'empty: give at least one byte')
  if (size(bytes) > MAX_UINT16) throw new InvalidParameterError('sliceEq bytes', 'more than 65535 bytes')
  return { type: 'condition', op: 'sliceEq', start, bytes: bytes.toLowerCase() as Hex }
}

/**
 * Any one of `conditions` holds (an OR group on one parameter). Limits cannot be part of it.
 *
 * @example
 * args: [{ tokenIn: anyOf(eq(usdc), eq(dai)), amountIn: [lte(100_000000n), total(1_000_000000n)] }]
 */
export function anyOf<const value extends ConditionValue | BytesSlice>(...conditions: readonly Condition<value>[]): Condition<value> {
  if (conditions.length === 0) throw new InvalidParameterError('anyOf', 'give at least one condition')
  conditions.forEach((condition, i) => {
    if (!isCondition(condition)) throw new InvalidParameterError(`anyOf[${i}]`, 'not a condition (build it with eq(), lte(), inRange()…; limits cannot be ORed)')
  })
  return { type: 'condition', op: 'anyOf', conditions: [...conditions] }
}

/**
 * A lifetime limit: the parameter summed over all calls of the permission is at most `max`. Only for
 * unsigned parameters (`uintN`, lengths); mix it with conditions in an array.
 *
 * @example
 * args: [{ amountIn: [lte(100_000000n), total(1_000_000000n)] }] // ≤ 100 USDC per call, ≤ 1,000 in all
 */
export function total(max: bigint | number): ParamLimit {
  return { type: 'paramLimit', max: limitMax(max, 'total'), period: 0 }
}

/**
 * A periodic limit: the parameter summed over the calls in each period of `seconds` (fixed windows from the
 * epoch: `declaredTime / seconds`, docs/policies.md §1) is at most `max`; it refills in the next period.
 *
 * @example
 * args: [{ amountIn: [lte(100_000000n), perPeriod(500_000000n, 86_400)] }] // ≤ 500 USDC per day
 */
export function perPeriod(max: bigint | number, seconds: number): ParamLimit {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_UINT32) {
    throw new InvalidParameterError('perPeriod seconds', `${seconds} is not a whole number of seconds from 1 to ${MAX_UINT32}`)
  }
  return { type: 'paramLimit', max: limitMax(max, 'perPeriod max'), period: seconds }
}

/**
 * Whether `value` was built by one of the condition builders.
 *
 * @example
 * isCondition(eq(1n)) // true
 */
export function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'condition'
}

/**
 * Whether `value` was built by {@link total} or {@link perPeriod}.
 *
 * @example
 * isParamLimit(total(5n)) // true
 */
export function isParamLimit(value: unknown): value is ParamLimit {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'paramLimit'
}

function limitMax(max: bigint | number, field: string): bigint {
  if (typeof max === 'number' && !Number.isSafeInteger(max)) throw new InvalidParameterError(field, `${max} is not an integer (use a bigint)`)
  const value = BigInt(max)
  if (value < 0n || value >= 1n << 256n) throw new InvalidParameterError(field, `${value} is not a uint256`)
  return value
}
