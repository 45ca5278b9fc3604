import type { Hex } from 'viem'

/**
 * Hex ⇄ bytes for the loops that hash many sessions (their digests and the Merkle tree over them). viem's
 * hexToBytes measured ≈3 µs for a 321-byte session encoding on the benchmark machine, ≈0.3 s for 10^5
 * sessions; a table lookup per digit is several times faster, and decoding in place allocates nothing.
 */

/** The value of each ASCII hex digit, −1 for any other character below 128. */
const DIGIT_VALUES = (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < 16; i++) {
    values['0123456789abcdef'.charCodeAt(i)] = i
    values['0123456789ABCDEF'.charCodeAt(i)] = i
  }
  return values
})()
const digitValue = (code: number) => (code < 128 ? DIGIT_VALUES[code]! : -1)

/**
 * Writes the bytes of `hex` (`0x` and an even number of hex digits) to `out` from `offset`; false, with `out`
 * partly written, if it is not that.
 */
export function decodeHexInto(hex: string, out: Uint8Array, offset: number): boolean {
  if (hex.length % 2 === 1 || !hex.startsWith('0x')) return false
  // Any invalid digit is −1, which makes `invalid` negative.
  let invalid = 0
  for (let at = 2; at < hex.length; at += 2) {
    const high = digitValue(hex.charCodeAt(at))
    const low = digitValue(hex.charCodeAt(at + 1))
    invalid |= high | low
    out[offset++] = (high << 4) | low
  }
  return invalid >= 0
}

/**
 * The bytes of `hex`, or undefined if it is not `0x` and hex digits. An odd number of digits reads as if led
 * by a 0, as viem's hexToBytes (and so its keccak256) reads it.
 */
export function decodeHex(hex: string): Uint8Array | undefined {
  if (!hex.startsWith('0x')) return undefined
  const even = hex.length % 2 === 0 ? hex : `0x0${hex.slice(2)}`
  const bytes = new Uint8Array((even.length - 2) / 2)
  return decodeHexInto(even, bytes, 0) ? bytes : undefined
}

/** The character codes of the 16 lowercase hex digits. */
const DIGIT_CODES = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))
/** The ASCII text of the 32-byte value being written as hex. */
const text = new Uint8Array(2 + 64)
text[0] = 0x30 // 0
text[1] = 0x78 // x
const asciiDecoder = new TextDecoder()

/**
 * The 32 bytes at `bytes[at]` as lowercase hex, as viem's bytesToHex writes them but as one flat string:
 * appending two digits at a time, as it does, makes a chain of 33 strings that lives as long as the hex does.
 * Making and keeping 10^5 digests measured 5–8 µs each that way, mostly in garbage collection, ≈1 µs this way.
 */
export function bytes32ToHex(bytes: Uint8Array, at = 0): Hex {
  for (let i = 0; i < 32; i++) {
    const byte = bytes[at + i]!
    text[2 + 2 * i] = DIGIT_CODES[byte >> 4]!
    text[3 + 2 * i] = DIGIT_CODES[byte & 15]!
  }
  return asciiDecoder.decode(text) as Hex
}
