/**
 * Option parsers: each checks one kind of value as commander reads it, so a bad value is refused before
 * any work starts, in one line that names the option (commander adds "option '--x <y>' argument 'z' is
 * invalid." to the reason given here).
 */
import { InvalidArgumentError } from 'commander'
import type { Address, Hex } from 'viem'
import { UsageError } from './errors.ts'

// Formats are checked with patterns, not viem's isAddress/isHex: commands load viem only when they run,
// so that a mistyped option is answered at once.
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/

/** A whole number from `min` to `max`, written in decimal. */
export function integerBetween(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    // Number('') is 0 and Number('0x10') is 16: only plain decimal digits are a count here.
    const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`"${value}" is not ${what} (${min}–${max})`)
    return n
  }
}

export const port = integerBetween(1, 65_535, 'a TCP port')

export const positiveBytes = integerBetween(1, Number.MAX_SAFE_INTEGER, 'a positive number of bytes')

export function address(value: string): Address {
  if (!ADDRESS.test(value)) throw new InvalidArgumentError(`"${value}" is not an address (0x and 40 hex digits)`)
  return value as Address
}

/** Comma-separated addresses (a node's allowed key-generation clients). */
export function addressList(value: string): Address[] {
  const items = value.split(',').map((a) => a.trim()).filter(Boolean)
  if (items.length === 0) throw new InvalidArgumentError('no address given')
  return items.map(address)
}

/** An http(s) URL: what viem's http transport and the signer nodes accept. */
export function httpUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. http://127.0.0.1:8545)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`"${value}" is not an http(s) URL`)
  return value
}

/** A 32-byte hex value: a session digest. */
export function digest(value: string): Hex {
  if (!HEX_BYTES.test(value) || value.length !== 66) throw new InvalidArgumentError(`"${value}" is not a session digest (0x and 64 hex digits)`)
  return value as Hex
}

/** A salt: a number or 32-byte hex, as toLatchkeyAccount takes it. */
export function salt(value: string): bigint | Hex {
  if (HEX_BYTES.test(value) && value.length <= 66) return value as Hex
  if (/^\d+$/.test(value)) return BigInt(value)
  throw new InvalidArgumentError(`"${value}" is not a salt (a decimal number, or hex of at most 32 bytes)`)
}

/**
 * The name of an environment variable that holds a private key. A value that looks like a key itself is
 * refused: a key on the command line lands in the shell history and in every process listing. The
 * refusal is a UsageError, not commander's InvalidArgumentError, because commander would repeat the value
 * (the key) in its message.
 */
export function keyVariableName(option: string): (value: string) => string {
  return (value) => {
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(value)) {
      throw new UsageError(`${option} takes the NAME of an environment variable that holds the key, never the key itself (a key on the command line lands in shell history and process listings)`)
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError(`"${value}" is not an environment variable name`)
    return value
  }
}
