import { isAddress, isHex, size } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { abiShape, headWords, staticWords, type AbiParameterLike, type AbiShape } from './abiShape.ts'
import { isCondition, isParamLimit, type Condition } from './conditions.ts'
import type { CallLimit, PathStep, Rule, RuleCondition, RuleGroup } from './policyTypes.ts'

/**
 * Turns `callPolicy`'s `args` (conditions placed like the function's parameters) into CallPolicy rule groups
 * and PARAM limits, with the paths computed from the ABI (docs/policies.md §3.1): static tuples and static
 * arrays are flattened into head words (`FIELD k`), dynamic values are entered (`FIELD k, ENTER`), array
 * elements are reached with `ELEMENT i w` (static elements w words wide) or `DYN_ELEMENT i`.
 */

/** The rule groups (one per condition, an `anyOf` making one OR group) and PARAM limits, in argument order. */
export type ArgumentRules = { groups: RuleGroup[]; limits: CallLimit[] }

type ScalarShape = Extract<AbiShape, { kind: 'scalar' }>

/** A value whose head starts at word `slot` of the tuple (or block) that `path` leads into. */
type Head = {
  path: readonly PathStep[]
  /** Whether the cursor is on the tuple's first word already (after ENTER, ELEMENT, DYN_ELEMENT). */
  atBase: boolean
  slot: number
}

const LENGTH: ScalarShape = { kind: 'scalar', type: 'uint256', family: 'uint', bits: 256, valueType: { kind: 'word' } }
const MAX_ELEMENT_INDEX = 0xfffe

/**
 * The rules and PARAM limits of `args` on a function with `inputs`. Throws {@link InvalidParameterError}
 * naming the argument (`args[0].amountIn`) for a condition that does not fit its parameter.
 *
 * @example
 * argumentRules([{ name: 'to', type: 'address' }], [eq(account)])
 * // { groups: [[{ path: [{ step: 'field', index: 0 }], valueType: { kind: 'uint', bytes: 20 }, condition: { op: 'eq', value: … } }]], limits: [] }
 */
export function argumentRules(inputs: readonly AbiParameterLike[], args: readonly unknown[], field = 'args'): ArgumentRules {
  if (args.length !== inputs.length) {
    throw new InvalidParameterError(field, `${args.length} entries for ${inputs.length} parameters: give one per parameter (undefined for none)`)
  }
  const out: ArgumentRules = { groups: [], limits: [] }
  // A function without parameters has no rules (only limits on its calls): there is no tuple to shape.
  if (inputs.length === 0) return out
  const top = abiShape({ type: 'tuple', components: inputs }, field)
  if (top.kind !== 'tuple') throw new InvalidParameterError(field, 'not a parameter list')
  let slot = 0
  top.components.forEach((component, i) => {
    compileAt(component.shape, args[i], { path: [], atBase: false, slot }, `${field}[${i}]`, out)
    slot += headWords(component.shape)
  })
  return out
}

/** Conditions on a value whose head is at `head`. */
function compileAt(shape: AbiShape, conditions: unknown, head: Head, field: string, out: ArgumentRules): void {
  if (conditions === undefined) return
  const here: PathStep[] = head.atBase && head.slot === 0 ? [...head.path] : [...head.path, { step: 'field', index: head.slot }]
  if (staticWords(shape) === undefined) {
    compileEntered(shape, conditions, [...here, { step: 'enter' }], field, out)
    return
  }
  switch (shape.kind) {
    case 'scalar':
      compileScalar(shape, conditions, here, field, out)
      return
    case 'tuple': {
      const members = tupleMembers(shape, conditions, field)
      let slot = head.slot
      shape.components.forEach((component, i) => {
        compileAt(component.shape, members[i], { ...head, slot }, memberField(field, component.name, i), out)
        slot += headWords(component.shape)
      })
      return
    }
    case 'array': {
      const width = staticWords(shape.element)!
      for (const element of arrayElements(shape, conditions, field).elements) {
        const index = element.index === 'last' ? shape.length! - 1 : element.index
        compileAt(shape.element, element.conditions, { ...head, slot: head.slot + index * width }, element.field, out)
      }
      return
    }
    case 'bytes':
      return // dynamic: entered above
  }
}

/** Conditions on a dynamic value that `path` has entered (base and cursor on its first word). */
function compileEntered(shape: AbiShape, conditions: unknown, path: readonly PathStep[], field: string, out: ArgumentRules): void {
  switch (shape.kind) {
    case 'bytes':
      compileBytes(conditions, path, field, out)
      return
    case 'tuple': {
      const members = tupleMembers(shape, conditions, field)
      let slot = 0
      shape.components.forEach((component, i) => {
        compileAt(component.shape, members[i], { path, atBase: true, slot }, memberField(field, component.name, i), out)
        slot += headWords(component.shape)
      })
      return
    }
    case 'array': {
      const { length, elements } = arrayElements(shape, conditions, field)
      if (shape.length !== undefined) {
        // A static array of dynamic elements: a tuple of offsets, no length word.
        for (const element of elements) {
          const index = element.index === 'last' ? shape.length - 1 : element.index
          compileAt(shape.element, element.conditions, { path, atBase: true, slot: index }, element.field, out)
        }
        return
      }
      if (length !== undefined) compileScalar(LENGTH, length, path, `${field}.length`, out)
      const width = staticWords(shape.element)
      for (const element of elements) {
        if (width === undefined) {
          compileEntered(shape.element, element.conditions, [...path, { step: 'dynElement', index: element.index }], element.field, out)
        } else {
          const elementPath: PathStep[] = [...path, { step: 'element', index: element.index, words: width }]
          compileAt(shape.element, element.conditions, { path: elementPath, atBase: true, slot: 0 }, element.field, out)
        }
      }
      return
    }
    case 'scalar':
      throw new InvalidParameterError(field, 'a scalar is never entered') // unreachable: scalars are static
  }
}

/** Scalar conditions: one condition, a limit, or an array of them (all must hold). */
function compileScalar(shape: ScalarShape, conditions: unknown, path: readonly PathStep[], field: string, out: ArgumentRules): void {
  const list = Array.isArray(conditions) ? (conditions as readonly unknown[]) : [conditions]
  if (list.length === 0) throw new InvalidParameterError(field, 'an empty list of conditions: give undefined for no rule')
  list.forEach((item, i) => {
    const itemField = Array.isArray(conditions) ? `${field}[${i}]` : field
    if (isParamLimit(item)) {
      if (shape.family !== 'uint') {
        throw new InvalidParameterError(itemField, `total()/perPeriod() count unsigned integers; ${shape.type} is not one (a PARAM limit needs uintN)`)
      }
      out.limits.push({ kind: 'param', path, valueType: shape.valueType, max: item.max, period: item.period })
    } else if (isCondition(item)) {
      out.groups.push(flatten(item).map((condition): Rule => ({ path, valueType: shape.valueType, condition: ruleCondition(shape, condition, itemField) })))
    } else {
      throw new InvalidParameterError(itemField, `${describe(item)} is not a condition on ${shape.type} (use eq(), lte(), inRange(), total()…)`)
    }
  })
}

/** `bytes` / `string`: slice conditions directly, or `{ length, slice }`. */
function compileBytes(conditions: unknown, path: readonly PathStep[], field: string, out: ArgumentRules): void {
  if (isCondition(conditions) || Array.isArray(conditions)) {
    compileSlices(conditions, path, field, out)
    return
  }
  const object = plainObject(conditions, field, '{ length, slice } or sliceEq(…)')
  assertKeys(object, ['length', 'slice'], field)
  if (object.length !== undefined) compileScalar(LENGTH, object.length, path, `${field}.length`, out)
  if (object.slice !== undefined) compileSlices(object.slice, path, `${field}.slice`, out)
}

function compileSlices(conditions: unknown, path: readonly PathStep[], field: string, out: ArgumentRules): void {
  const list = Array.isArray(conditions) ? (conditions as readonly unknown[]) : [conditions]
  if (list.length === 0) throw new InvalidParameterError(field, 'an empty list of conditions: give undefined for no rule')
  list.forEach((item, i) => {
    const itemField = Array.isArray(conditions) ? `${field}[${i}]` : field
    if (!isCondition(item)) throw new InvalidParameterError(itemField, `${describe(item)} is not a slice condition (use sliceEq(start, bytes); limits go on length)`)
    out.groups.push(
      flatten(item).map((condition): Rule => {
        if (condition.op !== 'sliceEq') throw new InvalidParameterError(itemField, `${condition.op}() on bytes/string: use sliceEq(start, bytes), or { length: … }`)
        return { path, valueType: { kind: 'word' }, condition: { op: 'sliceEq', start: condition.start, bytes: condition.bytes } }
      }),
    )
  })
}

/** The conditions of an OR group: `anyOf` nested in `anyOf` is one group. */
function flatten(condition: Condition): Condition[] {
  return condition.op === 'anyOf' ? condition.conditions.flatMap((c) => flatten(c as Condition)) : [condition]
}

/** The rule condition for one (non-anyOf) condition on a scalar: operands as words, signed operators for intN. */
function ruleCondition(shape: ScalarShape, condition: Condition, field: string): RuleCondition {
  const signed = shape.family === 'int'
  switch (condition.op) {
    case 'eq':
    case 'neq':
      return { op: condition.op, value: toWord(shape, condition.value, field) }
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      return { op: signed ? (`s${condition.op}` as const) : condition.op, value: toWord(shape, condition.value, field) }
    case 'inRange': {
      const min = toWord(shape, condition.min, `${field} (min)`)
      const max = toWord(shape, condition.max, `${field} (max)`)
      const order = signed ? BigInt.asIntN(256, min) <= BigInt.asIntN(256, max) : min <= max
      if (!order) throw new InvalidParameterError(field, `inRange(${String(condition.min)}, ${String(condition.max)}) never holds: min is above max`)
      return { op: signed ? 'sInRange' : 'inRange', min, max }
    }
    case 'oneOf':
      return { op: 'oneOf', values: condition.values.map((value, i) => toWord(shape, value, `${field} (value ${i})`)) }
    case 'bitsAll':
    case 'bitsAny':
    case 'bitsNone':
      return { op: condition.op, mask: maskWord(shape, condition.mask, field) }
    case 'sliceEq':
      throw new InvalidParameterError(field, `sliceEq() is for bytes and string parameters, not ${shape.type}`)
    case 'anyOf':
      throw new InvalidParameterError(field, 'anyOf() is flattened before') // unreachable
  }
}

/** The ABI word of `value` as a `shape`: addresses and uintN as is, intN in two's complement, bytesN left-aligned, bool 0/1. */
function toWord(shape: ScalarShape, value: unknown, field: string): bigint {
  switch (shape.family) {
    case 'address':
      if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new InvalidParameterError(field, `${describe(value)} is not an address`)
      return BigInt(value)
    case 'bool':
      if (typeof value !== 'boolean') throw new InvalidParameterError(field, `${describe(value)} is not a boolean`)
      return value ? 1n : 0n
    case 'uint': {
      const v = integer(value, field)
      if (v < 0n || v >= 1n << BigInt(shape.bits)) throw new InvalidParameterError(field, `${v} is not a ${shape.type}`)
      return v
    }
    case 'int': {
      const v = integer(value, field)
      const half = 1n << BigInt(shape.bits - 1)
      if (v < -half || v >= half) throw new InvalidParameterError(field, `${v} is not an ${shape.type}`)
      return BigInt.asUintN(256, v)
    }
    case 'fixedBytes':
      if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0 || size(value) !== shape.bits / 8) {
        throw new InvalidParameterError(field, `${describe(value)} is not ${shape.bits / 8} bytes of hex (a ${shape.type})`)
      }
      return BigInt(value) << BigInt(256 - shape.bits)
  }
}

/** A bit mask as a word: like a value, except that intN masks may also be unsigned bit patterns of the low N bits. */
function maskWord(shape: ScalarShape, mask: unknown, field: string): bigint {
  if (shape.family !== 'int') return toWord(shape, mask, `${field} (mask)`)
  const v = integer(mask, `${field} (mask)`)
  if (v < -(1n << BigInt(shape.bits - 1)) || v >= 1n << BigInt(shape.bits)) {
    throw new InvalidParameterError(`${field} (mask)`, `${v} is neither an ${shape.type} nor a ${shape.bits}-bit pattern`)
  }
  return BigInt.asUintN(256, v)
}

function integer(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value)
  throw new InvalidParameterError(field, `${describe(value)} is not an integer${typeof value === 'number' ? ' (use a bigint beyond 2^53)' : ''}`)
}

/** The members' conditions of a tuple, in component order: from an object keyed by name, or a positional array. */
function tupleMembers(shape: Extract<AbiShape, { kind: 'tuple' }>, conditions: unknown, field: string): readonly unknown[] {
  if (Array.isArray(conditions)) {
    if (conditions.length > shape.components.length) {
      throw new InvalidParameterError(field, `${conditions.length} entries for a tuple of ${shape.components.length} components`)
    }
    return conditions
  }
  const names = shape.components.map((c) => c.name)
  const object = plainObject(conditions, field, `an object keyed by component name (${names.filter((n) => n !== undefined).join(', ')}) or an array`)
  assertKeys(object, names.filter((n): n is string => n !== undefined), field)
  return names.map((name) => (name === undefined ? undefined : object[name]))
}

type ArrayElement = { index: number | 'last'; conditions: unknown; field: string }

/** An array's `{ length, first, last, at }`: the length's conditions and the elements', in index order (last at the end). */
function arrayElements(shape: Extract<AbiShape, { kind: 'array' }>, conditions: unknown, field: string): { length: unknown; elements: ArrayElement[] } {
  const dynamic = shape.length === undefined
  const object = plainObject(conditions, field, dynamic ? '{ length, first, last, at }' : '{ first, last, at }')
  assertKeys(object, dynamic ? ['length', 'first', 'last', 'at'] : ['first', 'last', 'at'], field)
  const elements: ArrayElement[] = []
  if (object.first !== undefined) elements.push({ index: 0, conditions: object.first, field: `${field}.first` })
  if (object.at !== undefined) {
    const at = plainObject(object.at, `${field}.at`, '{ [index]: conditions }')
    const entries = Object.entries(at).map(([key, value]) => {
      const index = Number(key)
      const max = shape.length === undefined ? MAX_ELEMENT_INDEX : shape.length - 1
      if (!/^\d+$/.test(key) || index > max) throw new InvalidParameterError(`${field}.at`, `${key} is not an element index from 0 to ${max}`)
      return { index, conditions: value, field: `${field}.at[${key}]` }
    })
    elements.push(...entries.filter((e) => e.conditions !== undefined).sort((a, b) => a.index - b.index))
  }
  if (object.last !== undefined) elements.push({ index: 'last', conditions: object.last, field: `${field}.last` })
  return { length: object.length, elements }
}

function plainObject(value: unknown, field: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isCondition(value) || isParamLimit(value)) {
    throw new InvalidParameterError(field, `${describe(value)}: expected ${expected}`)
  }
  return value as Record<string, unknown>
}

function assertKeys(object: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new InvalidParameterError(`${field}.${key}`, `unknown key: expected one of ${allowed.join(', ')}`)
  }
}

function memberField(field: string, name: string | undefined, index: number): string {
  return name === undefined ? `${field}[${index}]` : `${field}.${name}`
}

function describe(value: unknown): string {
  if (isCondition(value)) return `${value.op}()`
  if (isParamLimit(value)) return value.period === 0 ? 'total()' : 'perPeriod()'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return `'${value}'`
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}
