import { InvalidParameterError } from '../errors/userOperation.ts'
import type { ValueType } from './policyTypes.ts'

/**
 * Value types (docs/policies.md §3.2): what ABI type a tested word holds, and when the word is a clean
 * encoding of it. Byte codes: `0x00` word, `0x01`–`0x1f` uint of n bytes, `0x20` bool, `0x41`–`0x5f` int of
 * n bytes, `0x81`–`0x9f` bytesN.
 */

const kindBase = { word: 0x00, uint: 0x00, int: 0x40, fixedBytes: 0x80 } as const

/** The byte code of `valueType`; throws {@link InvalidParameterError} naming `field` if it has none. */
export function valueTypeToByte(valueType: ValueType, field: string): number {
  if (valueType.kind === 'word') return 0x00
  if (valueType.kind === 'bool') return 0x20
  if (!(valueType.kind in kindBase)) throw new InvalidParameterError(`${field}.kind`, `unknown value type ${String(valueType.kind)}`)
  if (!Number.isInteger(valueType.bytes) || valueType.bytes < 1 || valueType.bytes > 31) {
    throw new InvalidParameterError(`${field}.bytes`, `${valueType.bytes} is not 1–31 (use { kind: 'word' } for 32-byte values)`)
  }
  return kindBase[valueType.kind] + valueType.bytes
}

/** The value type of byte code `code`, or undefined for a code that is none (a malformed config). */
export function valueTypeFromByte(code: number): ValueType | undefined {
  if (code === 0x00) return { kind: 'word' }
  if (code === 0x20) return { kind: 'bool' }
  const bytes = code & 0x3f
  if (bytes < 1 || bytes > 31) return undefined
  if (code >> 6 === 0) return { kind: 'uint', bytes }
  if (code >> 6 === 1) return { kind: 'int', bytes }
  if (code >> 6 === 2) return { kind: 'fixedBytes', bytes }
  return undefined
}

/** Whether `word` is a clean ABI encoding of `valueType` (a lax decoder could read another value otherwise). */
export function isCleanWord(word: bigint, valueType: ValueType): boolean {
  switch (valueType.kind) {
    case 'word':
      return true
    case 'bool':
      return word <= 1n
    case 'uint':
      return word >> BigInt(8 * valueType.bytes) === 0n
    case 'int':
      return BigInt.asUintN(256, BigInt.asIntN(8 * valueType.bytes, word)) === word
    case 'fixedBytes':
      return BigInt.asUintN(8 * (32 - valueType.bytes), word) === 0n
  }
}

/** The ABI type name of `valueType`, for messages (`uint160`, `int24`, `bytes4`, `word`). */
export function valueTypeName(valueType: ValueType): string {
  if (valueType.kind === 'word') return '32-byte word'
  if (valueType.kind === 'bool') return 'bool'
  if (valueType.kind === 'fixedBytes') return `bytes${valueType.bytes}`
  return `${valueType.kind}${8 * valueType.bytes}`
}
