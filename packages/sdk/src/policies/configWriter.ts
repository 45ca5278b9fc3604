import { concat, isAddress, isHex, numberToHex, size, type Address, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * Writes a policy config front to back: big-endian integers of given widths, byte strings and addresses.
 * Every value is checked first; one that does not fit throws {@link InvalidParameterError} naming `field`.
 */
export class ConfigWriter {
  readonly #parts: Hex[] = []

  /** Appends `value` as an unsigned integer of `bytes` bytes. */
  uint(value: bigint | number, bytes: number, field: string): this {
    const max = (1n << BigInt(8 * bytes)) - 1n
    const integer = typeof value === 'bigint' || Number.isSafeInteger(value)
    if (!integer || BigInt(value) < 0n || BigInt(value) > max) {
      throw new InvalidParameterError(field, `${String(value)} is not an integer from 0 to ${max} (${bytes} byte${bytes === 1 ? '' : 's'})`)
    }
    this.#parts.push(numberToHex(value, { size: bytes }))
    return this
  }

  /** Appends the length of `value` (an integer of `lengthBytes` bytes), then `value`. */
  sizedBytes(value: Hex, lengthBytes: number, field: string): this {
    if (!isHex(value, { strict: true }) || value.length % 2 !== 0) throw new InvalidParameterError(field, 'not hex bytes')
    this.uint(size(value), lengthBytes, `${field} (length)`)
    this.#parts.push(value)
    return this
  }

  /** Appends a 20-byte address. */
  address(value: Address, field: string): this {
    if (!isAddress(value, { strict: false })) throw new InvalidParameterError(field, `${String(value)} is not an address`)
    this.#parts.push(value)
    return this
  }

  /** The config written so far, lowercase. */
  toHex(): Hex {
    return concat(this.#parts).toLowerCase() as Hex
  }
}
