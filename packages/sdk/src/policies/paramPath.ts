import type { CalldataReader } from './calldataReader.ts'
import type { ParamPath, PathStep } from './policyTypes.ts'

/** Where a path walk stands: `base` (start of the current tuple or block) and `cursor` (the word looked at). */
type PathPosition = { base: bigint; cursor: bigint }

/**
 * Walks `path` over the calldata as docs/policies.md §3.1 says, from `base = cursor = 4`, and returns the
 * cursor: the offset of the word the path leads to (not read yet). Undefined when the walk leaves the
 * calldata: a word read past the end, an offset or element count above the calldata's length, or an
 * element index not below the count (`last` of an empty array included).
 */
export function walkParamPath(calldata: CalldataReader, path: ParamPath): bigint | undefined {
  let position: PathPosition | undefined = { base: 4n, cursor: 4n }
  for (const step of path) {
    position = takeStep(calldata, position, step)
    if (!position) return undefined
  }
  return position.cursor
}

function takeStep(calldata: CalldataReader, { base, cursor }: PathPosition, step: PathStep): PathPosition | undefined {
  switch (step.step) {
    case 'field':
      return { base, cursor: base + 32n * BigInt(step.index) }
    case 'enter': {
      const offset = readOffset(calldata, cursor)
      return offset === undefined ? undefined : { base: base + offset, cursor: base + offset }
    }
    case 'element': {
      const index = elementIndex(calldata, cursor, step.index)
      if (index === undefined) return undefined
      const element = cursor + 32n + 32n * BigInt(step.words) * index
      return { base: element, cursor: element }
    }
    case 'dynElement': {
      const index = elementIndex(calldata, cursor, step.index)
      if (index === undefined) return undefined
      const heads = cursor + 32n
      const offset = readOffset(calldata, heads + 32n * index)
      return offset === undefined ? undefined : { base: heads + offset, cursor: heads + offset }
    }
  }
}

/** The offset word at `at`, if it is readable and at most the calldata's length. */
function readOffset(calldata: CalldataReader, at: bigint): bigint | undefined {
  const offset = calldata.word(at)
  return offset !== undefined && offset <= calldata.length ? offset : undefined
}

/** Element `index` of the array whose length word is at `at`, if the count is readable, ≤ length and the index below it. */
function elementIndex(calldata: CalldataReader, at: bigint, index: number | 'last'): bigint | undefined {
  const count = calldata.word(at)
  if (count === undefined || count > calldata.length) return undefined
  const i = index === 'last' ? count - 1n : BigInt(index)
  return i >= 0n && i < count ? i : undefined
}
