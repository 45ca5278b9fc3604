import { bytesToBigInt, bytesToHex, hexToBytes, isHex, type Hex } from 'viem'
import { PolicyConfigError, type PolicyModule } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * Reads a policy config front to back, as the contracts do: big-endian integers and byte strings of given
 * widths. Reading past the end throws {@link PolicyConfigError} ("cut short"), naming what was being read.
 */
export class ConfigReader {
  readonly #bytes: Uint8Array
  #offset = 0

  constructor(
    readonly policy: PolicyModule,
    config: Hex,
  ) {
    if (!isHex(config, { strict: true }) || config.length % 2 !== 0) throw new InvalidParameterError('config', 'not hex bytes')
    this.#bytes = hexToBytes(config)
  }

  /** The config's length in bytes. */
  get length(): number {
    return this.#bytes.length
  }

  /** The offset of the next byte to read. */
  get offset(): number {
    return this.#offset
  }

  /** The next `size` bytes as an unsigned integer. */
  uint(size: number, what: string): bigint {
    return bytesToBigInt(this.#take(size, what))
  }

  /** The next `size` bytes (at most 6) as a number. */
  number(size: number, what: string): number {
    return Number(this.uint(size, what))
  }

  /** The next `size` bytes. */
  bytes(size: number, what: string): Hex {
    return bytesToHex(this.#take(size, what))
  }

  /** Throws unless every byte has been read. */
  end(what: string): void {
    const left = this.#bytes.length - this.#offset
    if (left > 0) this.fail(`${left} byte${left === 1 ? '' : 's'} left after ${what}`)
  }

  /** Throws the {@link PolicyConfigError} for `problem`, at `offset` (default: the next byte). */
  fail(problem: string, offset = this.#offset): never {
    throw new PolicyConfigError(this.policy, offset, problem)
  }

  #take(size: number, what: string): Uint8Array {
    if (this.#offset + size > this.#bytes.length) this.fail(`cut short reading ${what} (${size} byte${size === 1 ? '' : 's'})`)
    const bytes = this.#bytes.subarray(this.#offset, this.#offset + size)
    this.#offset += size
    return bytes
  }
}
