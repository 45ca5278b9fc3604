import { hexToBytes } from 'viem'
import type { CalldataReader } from './calldataReader.ts'
import type { RuleCondition } from './policyTypes.ts'

/** What testing a condition gives: it holds, it does not, or (SLICE_EQ only) the slice leaves the calldata. */
export type ConditionOutcome = 'holds' | 'fails' | 'unreadable'

const signed = (word: bigint) => BigInt.asIntN(256, word)

/**
 * Tests `condition` (docs/policies.md §3.3) on `v`, the word at `cursor`. Comparisons are unsigned, the
 * `s…` ones on two's complement int256. SLICE_EQ takes `v` as a `bytes` length L: it fails when
 * `start + length > L`, and is unreadable when the slice (after the length word) reaches past the calldata.
 */
export function testCondition(condition: RuleCondition, v: bigint, calldata: CalldataReader, cursor: bigint): ConditionOutcome {
  const outcome = (holds: boolean): ConditionOutcome => (holds ? 'holds' : 'fails')
  switch (condition.op) {
    case 'eq':
      return outcome(v === condition.value)
    case 'neq':
      return outcome(v !== condition.value)
    case 'lt':
      return outcome(v < condition.value)
    case 'lte':
      return outcome(v <= condition.value)
    case 'gt':
      return outcome(v > condition.value)
    case 'gte':
      return outcome(v >= condition.value)
    case 'slt':
      return outcome(signed(v) < signed(condition.value))
    case 'slte':
      return outcome(signed(v) <= signed(condition.value))
    case 'sgt':
      return outcome(signed(v) > signed(condition.value))
    case 'sgte':
      return outcome(signed(v) >= signed(condition.value))
    case 'inRange':
      return outcome(condition.min <= v && v <= condition.max)
    case 'sInRange':
      return outcome(signed(condition.min) <= signed(v) && signed(v) <= signed(condition.max))
    case 'oneOf':
      return outcome(condition.values.includes(v))
    case 'bitsAll':
      return outcome((v & condition.mask) === condition.mask)
    case 'bitsAny':
      return outcome((v & condition.mask) !== 0n)
    case 'bitsNone':
      return outcome((v & condition.mask) === 0n)
    case 'sliceEq':
      return sliceEquals(condition.start, hexToBytes(condition.bytes), v, calldata, cursor)
  }
}

function sliceEquals(start: number, expected: Uint8Array, length: bigint, calldata: CalldataReader, cursor: bigint): ConditionOutcome {
  const size = BigInt(expected.length)
  if (BigInt(start) + size > length) return 'fails'
  const actual = calldata.slice(cursor + 32n + BigInt(start), size)
  if (!actual) return 'unreadable'
  return actual.every((byte, i) => byte === expected[i]) ? 'holds' : 'fails'
}
