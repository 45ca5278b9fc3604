import { bytesToBigInt, hexToBytes, isHex, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * A call's calldata (selector included) as the policy contracts read it: 32-byte words and byte ranges at
 * offsets, never past the end. A read that would leave the calldata gives `undefined`, never zero padding
 * (docs/policies.md §3.1 "Safety").
 */
export class CalldataReader {
  /** The calldata's length in bytes. */
  readonly length: bigint
  readonly #bytes: Uint8Array

  /** @param parameter The argument's name, for the error when `data` is not hex bytes. */
  constructor(data: Hex, parameter = 'data') {
    if (!isHex(data, { strict: true }) || data.length % 2 !== 0) throw new InvalidParameterError(parameter, 'not hex bytes')
    this.#bytes = hexToBytes(data)
    this.length = BigInt(this.#bytes.length)
  }

  /** The word at byte `at` as an unsigned integer, if `at + 32 ≤ length`. */
  word(at: bigint): bigint | undefined {
    const bytes = this.slice(at, 32n)
    return bytes && bytesToBigInt(bytes)
  }

  /** The `size` bytes from byte `at`, if `at + size ≤ length`. */
  slice(at: bigint, size: bigint): Uint8Array | undefined {
    if (at < 0n || size < 0n || at + size > this.length) return undefined
    return this.#bytes.subarray(Number(at), Number(at + size))
  }
}
