import { abiShape, staticWords, type AbiParameterLike, type AbiShape } from './abiShape.ts'
import type { ParamPath } from './policyTypes.ts'

/**
 * The reverse of paramRules.ts: which ABI parameter a CallPolicy path leads to, named the way code names it
 * (`params.tokenIn`, `path[0]`, `path[last]`, `n[1][2]`), for {@link describeSession}.
 */

/**
 * Where a path leads: a scalar parameter (`reads: 'value'`, `shape` its type), or the length word of a
 * dynamic array, `bytes` or `string` (`reads: 'length'`; SLICE_EQ rules read its content from there).
 */
export type PathTarget = { label: string; shape: AbiShape; reads: 'value' | 'length' }

/** A head word of a tuple or block: a scalar, or the offset of a dynamic value. */
type Slot = { label: string; shape: AbiShape }

type State = { kind: 'block'; slots: readonly Slot[]; cursor: number } | { kind: 'entered'; label: string; shape: AbiShape }

/**
 * The parameter that `path` reads in a call to a function with `inputs`, or undefined when the path does not
 * follow the ABI (it then reads some word the ABI gives no name to) or the ABI cannot be parsed.
 *
 * @example
 * paramPathTarget(swapV2.inputs, [{ step: 'field', index: 2 }, { step: 'enter' }, { step: 'element', index: 'last', words: 1 }])
 * // { label: 'path[last]', shape: { kind: 'scalar', type: 'address', … }, reads: 'value' }
 */
export function paramPathTarget(inputs: readonly AbiParameterLike[], path: ParamPath): PathTarget | undefined {
  let state: State
  try {
    const slots = inputs.flatMap((input, i) => headSlots(abiShape(input, 'inputs'), input.name || `arg${i}`))
    state = { kind: 'block', slots, cursor: 0 }
    for (const step of path) {
      const next = takeStep(state, step)
      if (!next) return undefined
      state = next
    }
  } catch {
    return undefined
  }
  if (state.kind === 'entered') return { label: state.label, shape: state.shape, reads: 'length' }
  const slot = state.slots[state.cursor]
  return slot && slot.shape.kind === 'scalar' ? { label: slot.label, shape: slot.shape, reads: 'value' } : undefined
}

function takeStep(state: State, step: ParamPath[number]): State | undefined {
  if (state.kind === 'block') {
    if (step.step === 'field') return step.index < state.slots.length ? { ...state, cursor: step.index } : undefined
    if (step.step !== 'enter') return undefined
    const slot = state.slots[state.cursor]
    return slot && staticWords(slot.shape) === undefined ? enter(slot.shape, slot.label) : undefined
  }
  const { shape, label } = state
  if (shape.kind !== 'array' || shape.length !== undefined) return undefined
  const index = step.step === 'element' || step.step === 'dynElement' ? (step.index === 'last' ? 'last' : String(step.index)) : undefined
  if (index === undefined) return undefined
  const elementLabel = `${label}[${index}]`
  const width = staticWords(shape.element)
  if (step.step === 'element') {
    return width !== undefined && width === step.words ? { kind: 'block', slots: headSlots(shape.element, elementLabel), cursor: 0 } : undefined
  }
  return width === undefined ? enter(shape.element, elementLabel) : undefined
}

/** The state after entering a dynamic value: on the length word of bytes and `T[]`, on the first head word of a tuple or `T[k]`. */
function enter(shape: AbiShape, label: string): State {
  if (shape.kind === 'tuple') return { kind: 'block', slots: shape.components.flatMap((c, j) => headSlots(c.shape, memberLabel(label, c.name, j))), cursor: 0 }
  if (shape.kind === 'array' && shape.length !== undefined) {
    return { kind: 'block', slots: Array.from({ length: shape.length }, (_, i) => ({ label: `${label}[${i}]`, shape: shape.element })), cursor: 0 }
  }
  return { kind: 'entered', label, shape }
}

/** The head words of a value: static tuples and arrays flattened to their scalars, a dynamic value one offset word. */
function headSlots(shape: AbiShape, label: string): Slot[] {
  if (staticWords(shape) === undefined || shape.kind === 'scalar' || shape.kind === 'bytes') return [{ label, shape }]
  if (shape.kind === 'tuple') return shape.components.flatMap((c, j) => headSlots(c.shape, memberLabel(label, c.name, j)))
  return Array.from({ length: shape.length! }, (_, i) => headSlots(shape.element, `${label}[${i}]`)).flat()
}

function memberLabel(label: string, name: string | undefined, index: number): string {
  return `${label}.${name ?? index}`
}
