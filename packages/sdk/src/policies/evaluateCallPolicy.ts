import { numberToHex, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { readCallLimit, readCallRule } from './callPolicyConfig.ts'
import { CalldataReader } from './calldataReader.ts'
import { ConfigReader } from './configReader.ts'
import { acceptCounted, assertDeclaredTime, countLimit, type CountedLimit } from './limitCounter.ts'
import { walkParamPath } from './paramPath.ts'
import { refuse } from './policyRefusal.ts'
import type { CallLimit, LimitUsage, ParamPath, PolicyEvaluation, PolicyRefusal, Rule, RuleCondition, ValueType } from './policyTypes.ts'
import { testCondition } from './ruleCondition.ts'
import { isCleanWord, valueTypeName } from './valueType.ts'

export type EvaluateCallPolicyParameters = {
  /** The permission's CallPolicy config. */
  config: Hex
  /** The call's full calldata, selector included. */
  data: Hex
  /** The call's native value, in wei. */
  value: bigint
  /** The time the userOp declares (uint48 seconds). */
  declaredTime: number
  /** The stored counter of each limit (what `usage(...)` of the contract returns). */
  usage: (limitIndex: number) => LimitUsage
}

/** The `group` of errors about limits (their `rule` is the limit index). */
const LIMIT_GROUP = 255
const MAX_UINT256 = (1n << 256n) - 1n

/**
 * What CallPolicy does with one call (docs/policies.md §3), off chain, in the contract's order: each group,
 * rule by rule until one holds; then each limit, in order; the config read front to back as it goes, every
 * rule and limit read completely (and checked) before it is evaluated, the rules after the one that holds
 * in a group included. Returns the counters to store and the window, or the contract's error.
 *
 * Throws {@link InvalidParameterError} for arguments the contract cannot receive (not hex, a value that is
 * not a uint256, a declared time that is not a uint48).
 */
export function evaluateCallPolicy(parameters: EvaluateCallPolicyParameters): PolicyEvaluation {
  assertDeclaredTime(parameters.declaredTime)
  if (parameters.value < 0n || parameters.value > MAX_UINT256) throw new InvalidParameterError('value', `${parameters.value} is not a uint256`)
  const calldata = new CalldataReader(parameters.data)
  const reader = new ConfigReader('CallPolicy', parameters.config)
  try {
    return checkGroups(reader, calldata) ?? checkLimits(reader, calldata, parameters)
  } catch (error) {
    if (!(error instanceof PolicyConfigError)) throw error
    return refuse('CallPolicyConfigMalformed', [], `the CallPolicy config is malformed at byte ${error.offset}: ${error.problem}`)
  }
}

/** The first group that fails (or the error of a rule evaluated), or undefined when every group passes. */
function checkGroups(reader: ConfigReader, calldata: CalldataReader): PolicyRefusal | undefined {
  const groupCount = reader.number(1, 'the group count')
  for (let group = 0; group < groupCount; group++) {
    const ruleCount = reader.number(1, 'a rule count')
    let holds = false
    const failures: string[] = []
    for (let index = 0; index < ruleCount; index++) {
      const rule = readCallRule(reader)
      if (holds) continue
      const outcome = testRule(calldata, rule, group, index)
      if (typeof outcome !== 'boolean' && 'ok' in outcome) return outcome
      if (outcome === true) holds = true
      else failures.push(outcome === false ? 'its bytes differ' : outcome.failure)
    }
    if (!holds) {
      const why = ruleCount === 0 ? 'it has no rule' : ruleCount === 1 ? failures[0]! : `none of its rules holds (${failures.join('; ')})`
      return refuse('CallPolicyRuleFailed', [BigInt(group)], `argument rule group ${group} fails: ${why}`)
    }
  }
  return undefined
}

/** True when rule `index` of `group` holds; else what failed (in words), or the error reading its parameter. */
function testRule(calldata: CalldataReader, rule: Rule, group: number, index: number): true | false | { failure: string } | PolicyRefusal {
  const param = readParam(calldata, rule.path, rule.valueType, group, index)
  if ('ok' in param) return param
  const outcome = testCondition(rule.condition, param.word, calldata, param.cursor)
  if (outcome === 'unreadable') return unreadable(group, index, 'its bytes slice reaches past the calldata')
  if (outcome === 'holds') return true
  if (rule.condition.op === 'sliceEq') return false
  const show = (word: bigint) => formatWord(word, rule.valueType)
  return { failure: `the argument is ${show(param.word)}, ${conditionText(rule.condition, show)}` }
}

/** A word as its ABI type reads: an address or fixed bytes in hex, a signed integer with its sign, else decimal. */
function formatWord(word: bigint, valueType: ValueType): string {
  if (valueType.kind === 'uint' && valueType.bytes === 20) return word >> 160n === 0n ? numberToHex(word, { size: 20 }) : `0x${word.toString(16)}`
  if (valueType.kind === 'fixedBytes') return numberToHex(word >> BigInt(8 * (32 - valueType.bytes)), { size: valueType.bytes })
  if (valueType.kind === 'int' && word >> 255n === 1n) return String(word - (1n << 256n))
  return String(word)
}

const comparisonWords = {
  eq: 'not equal to',
  neq: 'but must not be',
  lt: 'not below',
  lte: 'above the most allowed,',
  gt: 'not above',
  gte: 'below the least allowed,',
  slt: 'not below',
  slte: 'above the most allowed,',
  sgt: 'not above',
  sgte: 'below the least allowed,',
} as const

/** What a failed condition wanted, in words (for refusal reasons). */
function conditionText(condition: Exclude<RuleCondition, { op: 'sliceEq' }>, show: (word: bigint) => string): string {
  switch (condition.op) {
    case 'inRange':
    case 'sInRange':
      return `outside ${show(condition.min)}..${show(condition.max)}`
    case 'oneOf':
      return `not one of ${condition.values.map(show).join(', ')}`
    case 'bitsAll':
      return `not all of the bits 0x${condition.mask.toString(16)}`
    case 'bitsAny':
      return `none of the bits 0x${condition.mask.toString(16)}`
    case 'bitsNone':
      return `some of the bits 0x${condition.mask.toString(16)}`
    default:
      return `${comparisonWords[condition.op]} ${show(condition.value)}`
  }
}

/** Counts every limit in order, then checks that the config ends there. */
function checkLimits(reader: ConfigReader, calldata: CalldataReader, parameters: EvaluateCallPolicyParameters): PolicyEvaluation {
  const limitCount = reader.number(1, 'the limit count')
  const counted: CountedLimit[] = []
  for (let index = 0; index < limitCount; index++) {
    const limit = readCallLimit(reader)
    const amount = limitAmount(calldata, limit, parameters.value, index)
    if (typeof amount !== 'bigint') return amount
    const { declaredTime, usage } = parameters
    const result = countLimit({ limitIndex: index, label: limitLabels[limit.kind], amount, max: limit.max, period: limit.period, declaredTime, usage })
    if (!result.ok) return result
    counted.push(result)
  }
  reader.end('the last limit')
  return acceptCounted(counted)
}

const limitLabels = { calls: 'the call count', value: 'the native value total', param: 'the parameter total' } as const

/** What one call counts against `limit`: 1, its value, or the parameter at the limit's path. */
function limitAmount(calldata: CalldataReader, limit: CallLimit, value: bigint, index: number): bigint | PolicyRefusal {
  if (limit.kind === 'calls') return 1n
  if (limit.kind === 'value') return value
  const param = readParam(calldata, limit.path, limit.valueType, LIMIT_GROUP, index)
  return 'ok' in param ? param : param.word
}

/** The word at the end of `path` and where it is, or why it cannot be used (unreadable, not clean). */
function readParam(
  calldata: CalldataReader,
  path: ParamPath,
  valueType: ValueType,
  group: number,
  index: number,
): { cursor: bigint; word: bigint } | PolicyRefusal {
  const cursor = walkParamPath(calldata, path)
  const word = cursor === undefined ? undefined : calldata.word(cursor)
  if (cursor === undefined || word === undefined) return unreadable(group, index, 'its path leads outside the calldata')
  if (!isCleanWord(word, valueType)) {
    return refuse(
      'CallPolicyParamDirty',
      [BigInt(group), BigInt(index)],
      `${subject(group, index)} is not a clean ${valueTypeName(valueType)}: ${numberToHex(word, { size: 32 })}`,
    )
  }
  return { cursor, word }
}

function unreadable(group: number, index: number, why: string): PolicyRefusal {
  return refuse('CallPolicyParamUnreadable', [BigInt(group), BigInt(index)], `${subject(group, index)} cannot be read: ${why}`)
}

/** What errors with (group, rule) are about, in words. */
function subject(group: number, index: number): string {
  return group === LIMIT_GROUP ? `the parameter of limit ${index}` : `the parameter of argument rule ${index} in group ${group}`
}
