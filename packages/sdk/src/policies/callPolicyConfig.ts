import type { Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ConfigReader } from './configReader.ts'
import { ConfigWriter } from './configWriter.ts'
import type { CallLimit, CallPolicyConfig, ComparisonOperator, ParamPath, PathStep, Rule, RuleCondition, ValueType } from './policyTypes.ts'
import { valueTypeFromByte, valueTypeToByte } from './valueType.ts'

/*
 * The CallPolicy config format, docs/policies.md §3:
 *   config := groupCount (1) ‖ group × groupCount ‖ limitCount (1) ‖ limit × limitCount
 *   group  := ruleCount (1) ‖ rule × ruleCount
 *   rule   := path ‖ valueType (1) ‖ operator (1) ‖ operands
 *   limit  := kind (1) ‖ [path ‖ valueType (1), for kind 0x02] ‖ max (32) ‖ period (4)
 *   path   := stepCount (1) ‖ step × stepCount
 */

/** Operator codes 0x00–0x09, in order. */
const comparisonOperators: readonly ComparisonOperator[] = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'slt', 'slte', 'sgt', 'sgte']
const operatorCodes = { inRange: 0x0a, sInRange: 0x0b, oneOf: 0x0c, bitsAll: 0x0d, bitsAny: 0x0e, bitsNone: 0x0f, sliceEq: 0x10 } as const
const stepCodes = { field: 0x00, enter: 0x01, element: 0x02, dynElement: 0x03 } as const
/** Limit kind codes 0x00–0x02, in order. */
const limitKinds = ['calls', 'value', 'param'] as const
/** The element index that means "the last element". */
const LAST_INDEX = 0xffff

const hexByte = (code: number) => `0x${code.toString(16).padStart(2, '0')}`

/**
 * The bytes CallPolicy reads for `config` (docs/policies.md §3). Throws {@link InvalidParameterError} naming
 * the first field that cannot be encoded (a count above 255, an index or width out of range, an operand that
 * is not a uint256 word: give signed operands in two's complement).
 */
export function encodeCallPolicyConfig(config: CallPolicyConfig): Hex {
  const writer = new ConfigWriter()
  writer.uint(config.groups.length, 1, 'config.groups (count)')
  config.groups.forEach((group, g) => {
    if (group.length === 0) throw new InvalidParameterError(`config.groups[${g}]`, 'a group with no rule never passes')
    writer.uint(group.length, 1, `config.groups[${g}] (rule count)`)
    group.forEach((rule, r) => writeRule(writer, rule, `config.groups[${g}][${r}]`))
  })
  writer.uint(config.limits.length, 1, 'config.limits (count)')
  config.limits.forEach((limit, i) => writeLimit(writer, limit, `config.limits[${i}]`))
  return writer.toHex()
}

/**
 * The structured form of CallPolicy config bytes. Throws {@link PolicyConfigError} where the contract would
 * find the config malformed (`CallPolicyConfigMalformed`), wherever that is in the config.
 */
export function decodeCallPolicyConfig(config: Hex): CallPolicyConfig {
  const reader = new ConfigReader('CallPolicy', config)
  const groups = Array.from({ length: reader.number(1, 'the group count') }, () =>
    Array.from({ length: reader.number(1, 'a rule count') }, () => readCallRule(reader)),
  )
  const limits = Array.from({ length: reader.number(1, 'the limit count') }, () => readCallLimit(reader))
  reader.end('the last limit')
  return { groups, limits }
}

/**
 * Reads one rule (path, value type, operator, operands) at the reader's position, checking all of it.
 * Throws {@link PolicyConfigError} for a malformed or cut-short rule.
 */
export function readCallRule(reader: ConfigReader): Rule {
  const path = readPath(reader)
  const valueType = readValueType(reader)
  const at = reader.offset
  const condition = readCondition(reader)
  if (condition.op === 'sliceEq' && valueType.kind !== 'word') reader.fail('SLICE_EQ with a value type other than 0x00', at)
  return { path, valueType, condition }
}

/**
 * Reads one limit (kind, [path, value type], max, period) at the reader's position, checking all of it.
 * Throws {@link PolicyConfigError} for a malformed or cut-short limit.
 */
export function readCallLimit(reader: ConfigReader): CallLimit {
  const at = reader.offset
  const code = reader.number(1, 'a limit kind')
  const kind = limitKinds[code]
  if (kind === undefined) reader.fail(`unknown limit kind ${hexByte(code)}`, at)
  if (kind !== 'param') return { kind, max: reader.uint(32, 'a limit max'), period: reader.number(4, 'a limit period') }
  const path = readPath(reader)
  const typeAt = reader.offset
  const valueType = readValueType(reader)
  if (valueType.kind !== 'word' && valueType.kind !== 'uint') reader.fail('a PARAM limit on a bool, signed or fixed-bytes value type', typeAt)
  return { kind, path, valueType, max: reader.uint(32, 'a limit max'), period: reader.number(4, 'a limit period') }
}

function readPath(reader: ConfigReader): ParamPath {
  return Array.from({ length: reader.number(1, 'a path step count') }, () => readStep(reader))
}

function readStep(reader: ConfigReader): PathStep {
  const at = reader.offset
  const code = reader.number(1, 'a path step')
  const index = () => {
    const i = reader.number(2, 'an element index')
    return i === LAST_INDEX ? 'last' : i
  }
  switch (code) {
    case stepCodes.field:
      return { step: 'field', index: reader.number(2, 'a field index') }
    case stepCodes.enter:
      return { step: 'enter' }
    case stepCodes.element: {
      const i = index()
      const words = reader.number(1, 'an element width')
      if (words === 0) reader.fail('an element width of 0', reader.offset - 1)
      return { step: 'element', index: i, words }
    }
    case stepCodes.dynElement:
      return { step: 'dynElement', index: index() }
    default:
      return reader.fail(`unknown path step ${hexByte(code)}`, at)
  }
}

function readValueType(reader: ConfigReader): ValueType {
  const code = reader.number(1, 'a value type')
  return valueTypeFromByte(code) ?? reader.fail(`unknown value type ${hexByte(code)}`, reader.offset - 1)
}

function readCondition(reader: ConfigReader): RuleCondition {
  const at = reader.offset
  const code = reader.number(1, 'an operator')
  const word = () => reader.uint(32, 'an operand')
  const comparison = comparisonOperators[code]
  if (comparison !== undefined) return { op: comparison, value: word() }
  switch (code) {
    case operatorCodes.inRange:
    case operatorCodes.sInRange:
      return { op: code === operatorCodes.inRange ? 'inRange' : 'sInRange', min: word(), max: word() }
    case operatorCodes.oneOf: {
      const count = reader.number(1, 'a ONE_OF count')
      if (count === 0) reader.fail('ONE_OF with count 0', reader.offset - 1)
      return { op: 'oneOf', values: Array.from({ length: count }, word) }
    }
    case operatorCodes.bitsAll:
      return { op: 'bitsAll', mask: word() }
    case operatorCodes.bitsAny:
      return { op: 'bitsAny', mask: word() }
    case operatorCodes.bitsNone:
      return { op: 'bitsNone', mask: word() }
    case operatorCodes.sliceEq: {
      const start = reader.number(2, 'a SLICE_EQ start')
      const length = reader.number(2, 'a SLICE_EQ length')
      return { op: 'sliceEq', start, bytes: reader.bytes(length, 'SLICE_EQ bytes') }
    }
    default:
      return reader.fail(`unknown operator ${hexByte(code)}`, at)
  }
}

function writeRule(writer: ConfigWriter, rule: Rule, field: string): void {
  writePath(writer, rule.path, `${field}.path`)
  writer.uint(valueTypeToByte(rule.valueType, `${field}.valueType`), 1, `${field}.valueType`)
  writeCondition(writer, rule.condition, rule.valueType, `${field}.condition`)
}

function writeLimit(writer: ConfigWriter, limit: CallLimit, field: string): void {
  const code = limitKinds.indexOf(limit.kind)
  if (code < 0) throw new InvalidParameterError(`${field}.kind`, `unknown limit kind ${String(limit.kind)}`)
  writer.uint(code, 1, `${field}.kind`)
  if (limit.kind === 'param') {
    writePath(writer, limit.path, `${field}.path`)
    if (limit.valueType.kind !== 'word' && limit.valueType.kind !== 'uint') {
      throw new InvalidParameterError(`${field}.valueType`, 'a parameter limit counts unsigned values only (word or uint)')
    }
    writer.uint(valueTypeToByte(limit.valueType, `${field}.valueType`), 1, `${field}.valueType`)
  }
  writer.uint(limit.max, 32, `${field}.max`).uint(limit.period, 4, `${field}.period`)
}

function writePath(writer: ConfigWriter, path: ParamPath, field: string): void {
  writer.uint(path.length, 1, `${field} (step count)`)
  path.forEach((step, i) => writeStep(writer, step, `${field}[${i}]`))
}

function writeStep(writer: ConfigWriter, step: PathStep, field: string): void {
  const code = stepCodes[step.step]
  if (code === undefined) throw new InvalidParameterError(`${field}.step`, `unknown path step ${String(step.step)}`)
  writer.uint(code, 1, `${field}.step`)
  if (step.step === 'field') writer.uint(step.index, 2, `${field}.index`)
  if (step.step === 'element' || step.step === 'dynElement') {
    if (step.index === LAST_INDEX) throw new InvalidParameterError(`${field}.index`, `${LAST_INDEX} means the last element: write 'last'`)
    writer.uint(step.index === 'last' ? LAST_INDEX : step.index, 2, `${field}.index`)
  }
  if (step.step === 'element') {
    if (step.words === 0) throw new InvalidParameterError(`${field}.words`, 'an element is at least one word wide')
    writer.uint(step.words, 1, `${field}.words`)
  }
}

function writeCondition(writer: ConfigWriter, condition: RuleCondition, valueType: ValueType, field: string): void {
  const comparison = comparisonOperators.indexOf(condition.op as ComparisonOperator)
  if (comparison >= 0 && 'value' in condition) {
    writer.uint(comparison, 1, `${field}.op`).uint(condition.value, 32, `${field}.value`)
    return
  }
  switch (condition.op) {
    case 'inRange':
    case 'sInRange':
      writer.uint(operatorCodes[condition.op], 1, `${field}.op`).uint(condition.min, 32, `${field}.min`).uint(condition.max, 32, `${field}.max`)
      return
    case 'oneOf':
      if (condition.values.length === 0) throw new InvalidParameterError(`${field}.values`, 'oneOf needs at least one value')
      writer.uint(operatorCodes.oneOf, 1, `${field}.op`).uint(condition.values.length, 1, `${field}.values (count)`)
      condition.values.forEach((value, i) => writer.uint(value, 32, `${field}.values[${i}]`))
      return
    case 'bitsAll':
    case 'bitsAny':
    case 'bitsNone':
      writer.uint(operatorCodes[condition.op], 1, `${field}.op`).uint(condition.mask, 32, `${field}.mask`)
      return
    case 'sliceEq':
      if (valueType.kind !== 'word') throw new InvalidParameterError(`${field}`, "sliceEq reads a bytes length word: its value type is { kind: 'word' }")
      writer.uint(operatorCodes.sliceEq, 1, `${field}.op`).uint(condition.start, 2, `${field}.start`)
      writer.sizedBytes(condition.bytes, 2, `${field}.bytes`)
      return
    default:
      throw new InvalidParameterError(`${field}.op`, `unknown operator ${String(condition.op)}`)
  }
}
