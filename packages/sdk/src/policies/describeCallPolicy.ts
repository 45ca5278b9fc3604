import { formatEther, getAddress, numberToHex, size, type AbiFunction, type Address, type Hex } from 'viem'
import type { AbiShape } from './abiShape.ts'
import { formatPeriod, type AddressBook } from './describeFormat.ts'
import { paramPathTarget, type PathTarget } from './paramPathLabel.ts'
import type { CallLimit, CallPolicyConfig, ParamPath, Rule, RuleCondition, ValueType } from './policyTypes.ts'

/**
 * CallPolicy rules and limits in plain English, one line each, naming parameters from the function's ABI
 * when it is known (`params.amountIn at most 100000000 per call`), for {@link describeSession}.
 *
 * @example
 * describeCallPolicy(decodeCallPolicyConfig(permission.policyConfig), moveFunction, new AddressBook())
 * // ['x between 0 and 7', 'y between 0 and 7', 'at most 100 calls per hour']
 */
export function describeCallPolicy(config: CallPolicyConfig, fn: AbiFunction | undefined, book: AddressBook): string[] {
  const lines = config.groups.map((group) => {
    const rules = group.map((rule) => describeRule(rule, fn, book))
    return rules.length === 1 ? rules[0]! : `one of: ${rules.join(', or ')}`
  })
  if (config.groups.length === 0) lines.push('any arguments')
  for (const limit of config.limits) lines.push(describeLimit(limit, fn, book))
  return lines
}

/** A rule's parameter: its name, how its words read, and whether it is an amount (upper bounds are "per call"). */
type Subject = { label: string; format: (word: bigint) => string; amount: boolean }

function describeRule(rule: Rule, fn: AbiFunction | undefined, book: AddressBook): string {
  const target = fn ? paramPathTarget(fn.inputs, rule.path) : undefined
  const { condition } = rule
  if (condition.op === 'sliceEq') {
    const label = target?.label ?? rawPath(rule.path)
    const bytes = formatSlice(condition.bytes, book)
    const end = condition.start + size(condition.bytes) - 1
    return condition.start === 0 ? `${label} must start with ${bytes}` : `bytes ${condition.start} to ${end} of ${label} must be ${bytes}`
  }
  const subject = subjectOf(target, rule.path, rule.valueType, book)
  return `${subject.label} ${describeCondition(condition, subject)}`
}

function describeCondition(condition: Exclude<RuleCondition, { op: 'sliceEq' }>, subject: Subject): string {
  const v = subject.format
  const perCall = subject.amount ? ' per call' : ''
  switch (condition.op) {
    case 'eq':
      return `must be ${v(condition.value)}`
    case 'neq':
      return `must not be ${v(condition.value)}`
    case 'lt':
    case 'slt':
      return `below ${v(condition.value)}${perCall}`
    case 'lte':
    case 'slte':
      return `at most ${v(condition.value)}${perCall}`
    case 'gt':
    case 'sgt':
      return `above ${v(condition.value)}`
    case 'gte':
    case 'sgte':
      return `at least ${v(condition.value)}`
    case 'inRange':
    case 'sInRange':
      return `between ${v(condition.min)} and ${v(condition.max)}`
    case 'oneOf':
      return condition.values.length === 1 ? `must be ${v(condition.values[0]!)}` : `must be one of ${condition.values.map(v).join(', ')}`
    case 'bitsAll':
      return `must have all the bits of ${hexWord(condition.mask)} set`
    case 'bitsAny':
      return `must have at least one of the bits of ${hexWord(condition.mask)} set`
    case 'bitsNone':
      return `must have none of the bits of ${hexWord(condition.mask)} set`
  }
}

function describeLimit(limit: CallLimit, fn: AbiFunction | undefined, book: AddressBook): string {
  const when = formatPeriod(limit.period)
  switch (limit.kind) {
    case 'calls':
      return `at most ${limit.max} call${limit.max === 1n ? '' : 's'} ${when}`
    case 'value':
      return `at most ${formatEther(limit.max)} ETH of value ${when}`
    case 'param': {
      const target = fn ? paramPathTarget(fn.inputs, limit.path) : undefined
      return `at most ${limit.max} of ${subjectOf(target, limit.path, limit.valueType, book).label} ${when}`
    }
  }
}

/** How a rule names its parameter and shows its words: from the ABI when the path follows it, else from the value type. */
function subjectOf(target: PathTarget | undefined, path: ParamPath, valueType: ValueType, book: AddressBook): Subject {
  if (target?.reads === 'length') return { label: `the length of ${target.label}`, format: (w) => w.toString(), amount: false }
  if (target?.shape.kind === 'scalar') {
    const shape = target.shape
    return { label: target.label, format: wordFormat(shape, book), amount: shape.family === 'uint' }
  }
  const label = `the parameter at ${rawPath(path)}`
  switch (valueType.kind) {
    case 'word':
      return { label, format: (w) => (w < 1n << 128n ? w.toString() : hexWord(w)), amount: true }
    case 'bool':
      return { label, format: (w) => (w === 0n ? 'false' : w === 1n ? 'true' : w.toString()), amount: false }
    case 'uint':
      // 20-byte values are nearly always addresses.
      if (valueType.bytes === 20) return { label, format: (w) => book.value(toAddress(w)), amount: false }
      return { label, format: (w) => w.toString(), amount: true }
    case 'int':
      return { label, format: (w) => BigInt.asIntN(256, w).toString(), amount: false }
    case 'fixedBytes':
      return { label, format: (w) => leftBytes(w, valueType.bytes), amount: false }
  }
}

function wordFormat(shape: Extract<AbiShape, { kind: 'scalar' }>, book: AddressBook): (word: bigint) => string {
  switch (shape.family) {
    case 'address':
      return (w) => book.value(toAddress(w))
    case 'bool':
      return (w) => (w === 0n ? 'false' : w === 1n ? 'true' : w.toString())
    case 'uint':
      return (w) => w.toString()
    case 'int':
      return (w) => BigInt.asIntN(256, w).toString()
    case 'fixedBytes':
      return (w) => leftBytes(w, shape.bits / 8)
  }
}

/** SLICE_EQ bytes: a known address when they are 20 bytes naming one, else hex. */
function formatSlice(bytes: Hex, book: AddressBook): string {
  if (size(bytes) === 20) {
    const address = getAddress(bytes)
    if (book.isAccount(address) || book.name(address) !== undefined) return book.value(address)
  }
  return bytes
}

function toAddress(word: bigint): Address {
  return getAddress(numberToHex(BigInt.asUintN(160, word), { size: 20 }))
}

function leftBytes(word: bigint, bytes: number): Hex {
  return numberToHex(word >> BigInt(8 * (32 - bytes)), { size: bytes })
}

function hexWord(word: bigint): Hex {
  return numberToHex(word)
}

/** A path in words, for parameters the ABI does not name: `[word 2 → enter → element 0]`. */
function rawPath(path: ParamPath): string {
  if (path.length === 0) return '[word 0]'
  const steps = path.map((step) => {
    switch (step.step) {
      case 'field':
        return `word ${step.index}`
      case 'enter':
        return 'enter'
      case 'element':
        return `element ${step.index} (${step.words} word${step.words === 1 ? '' : 's'})`
      case 'dynElement':
        return `element ${step.index}`
    }
  })
  return `[${steps.join(' → ')}]`
}
