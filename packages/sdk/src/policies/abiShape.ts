import { InvalidParameterError } from '../errors/userOperation.ts'
import type { ValueType } from './policyTypes.ts'

/**
 * An ABI parameter type as the ABI encoding lays it out: what paths walk over (docs/policies.md §3.1) and
 * what value type a scalar's word has (§3.2). Parsed from the JSON ABI's `type` strings at run time.
 */
export type AbiShape =
  | {
      kind: 'scalar'
      /** The ABI type: `address`, `bool`, `uint24`, `int8`, `bytes4`… */
      type: string
      family: 'address' | 'bool' | 'uint' | 'int' | 'fixedBytes'
      /** uintN/intN: N; bytesN: 8·N; address 160; bool 8 (its word's significant bits, for range checks). */
      bits: number
      valueType: ValueType
    }
  | { kind: 'bytes'; type: 'bytes' | 'string' }
  | { kind: 'tuple'; type: string; components: readonly AbiComponent[] }
  | { kind: 'array'; type: string; element: AbiShape; length: number | undefined }

/** A tuple member: its name (undefined when the ABI gives none) and shape. */
export type AbiComponent = { name: string | undefined; shape: AbiShape }

/** The part of a JSON ABI parameter that decides its layout. */
export type AbiParameterLike = { readonly type: string; readonly name?: string | undefined; readonly components?: readonly AbiParameterLike[] | undefined }

/**
 * The shape of `param`; throws {@link InvalidParameterError} naming `field` for a type the ABI encoding has not.
 *
 * @example
 * abiShape({ type: 'address[]' }, 'path') // { kind: 'array', element: { kind: 'scalar', type: 'address', … }, length: undefined }
 */
export function abiShape(param: AbiParameterLike, field: string): AbiShape {
  const type = param.type
  const array = /^(.*)\[(\d*)\]$/.exec(type)
  if (array) {
    const length = array[2] === '' ? undefined : Number(array[2])
    if (length === 0) throw new InvalidParameterError(field, `${type}: a static array of length 0`)
    const element = abiShape({ ...param, type: array[1]! }, field)
    return { kind: 'array', type, element, length }
  }
  if (type === 'tuple') {
    const components = (param.components ?? []).map((component, i) => ({
      name: component.name === undefined || component.name === '' ? undefined : component.name,
      shape: abiShape(component, `${field}.${component.name || i}`),
    }))
    if (components.length === 0) throw new InvalidParameterError(field, 'a tuple with no components')
    return { kind: 'tuple', type, components }
  }
  if (type === 'bytes' || type === 'string') return { kind: 'bytes', type }
  if (type === 'address') return { kind: 'scalar', type, family: 'address', bits: 160, valueType: { kind: 'uint', bytes: 20 } }
  if (type === 'bool') return { kind: 'scalar', type, family: 'bool', bits: 8, valueType: { kind: 'bool' } }
  const integer = /^(u?)int(\d+)$/.exec(type)
  if (integer) {
    const bits = Number(integer[2])
    if (bits < 8 || bits > 256 || bits % 8 !== 0) throw new InvalidParameterError(field, `${type} is not an ABI integer type`)
    const family = integer[1] === 'u' ? 'uint' : 'int'
    const valueType: ValueType = bits === 256 ? { kind: 'word' } : { kind: family, bytes: bits / 8 }
    return { kind: 'scalar', type, family, bits, valueType }
  }
  const fixed = /^bytes(\d+)$/.exec(type)
  if (fixed) {
    const bytes = Number(fixed[1])
    if (bytes < 1 || bytes > 32) throw new InvalidParameterError(field, `${type} is not an ABI bytesN type`)
    return { kind: 'scalar', type, family: 'fixedBytes', bits: 8 * bytes, valueType: bytes === 32 ? { kind: 'word' } : { kind: 'fixedBytes', bytes } }
  }
  throw new InvalidParameterError(field, `the ABI type ${type} is not supported (int, uint, address, bool, bytesN, bytes, string, tuples, arrays)`)
}

/**
 * How many head words a static value takes (a scalar 1, a tuple or `T[k]` the sum); undefined when dynamic.
 *
 * @example
 * staticWords(abiShape({ type: 'uint256[3]' }, 'x')) // 3
 */
export function staticWords(shape: AbiShape): number | undefined {
  switch (shape.kind) {
    case 'scalar':
      return 1
    case 'bytes':
      return undefined
    case 'tuple': {
      let words = 0
      for (const component of shape.components) {
        const w = staticWords(component.shape)
        if (w === undefined) return undefined
        words += w
      }
      return words
    }
    case 'array': {
      if (shape.length === undefined) return undefined
      const w = staticWords(shape.element)
      return w === undefined ? undefined : w * shape.length
    }
  }
}

/**
 * The head word width of a member: its static width, or 1 (an offset) when it is dynamic.
 *
 * @example
 * headWords(abiShape({ type: 'bytes' }, 'data')) // 1
 */
export function headWords(shape: AbiShape): number {
  return staticWords(shape) ?? 1
}
