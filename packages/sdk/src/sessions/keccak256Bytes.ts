import { keccak256 } from 'viem'
import { instantiateKeccakF1600, type KeccakF1600 } from './keccakF1600Wasm.ts'

/**
 * Keccak-256 (Ethereum's: Keccak's own padding, not SHA3-256's) over bytes, for the loops that hash many
 * sessions: their digests and the Merkle tree over them. The sponge is here; the permutation is
 * WebAssembly's (keccakF1600Wasm.ts, several times faster than viem's), or where WebAssembly cannot run,
 * the whole hash is viem's. Checked against viem's keccak256 at every length around the block boundaries
 * (keccak256Bytes.test.ts).
 */

/** The rate of Keccak-256 in bytes: 1600 − 2 × 256 bits. */
const RATE = 136
const RATE_WORDS = RATE / 4
/** The WebAssembly permutation, made on the first hash rather than on import (≈10 ms); 'none' where it cannot run. */
let keccakF1600: KeccakF1600 | 'none' | undefined

/** Writes keccak256 of `input[start, start + length)` to `out[outAt, outAt + 32)`, which may overlap the input. */
export function keccak256Into(input: Uint8Array, start: number, length: number, out: Uint8Array, outAt: number): void {
  keccakF1600 ??= instantiateKeccakF1600() ?? 'none'
  if (keccakF1600 === 'none') keccak256IntoByViem(input, start, length, out, outAt)
  else keccak256IntoBySponge(keccakF1600, input, start, length, out, outAt)
}

/** keccak256 of `input`, as 32 new bytes. */
export function keccak256Bytes(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  keccak256Into(input, 0, input.length, out, 0)
  return out
}

/** {@link keccak256Into} where WebAssembly cannot run. */
export function keccak256IntoByViem(input: Uint8Array, start: number, length: number, out: Uint8Array, outAt: number): void {
  out.set(keccak256(input.subarray(start, start + length), 'bytes'), outAt)
}

function keccak256IntoBySponge({ lanes, permute }: KeccakF1600, input: Uint8Array, start: number, length: number, out: Uint8Array, outAt: number): void {
  lanes.fill(0)
  const end = start + length
  let offset = start
  for (; end - offset >= RATE; offset += RATE) {
    absorb(lanes, input, offset, RATE_WORDS)
    permute()
  }
  absorbLast(lanes, input, offset, end - offset)
  permute()
  squeeze(lanes, out, outAt)
}

/** XORs `words` little-endian 32-bit words of `bytes` from `offset` into the first words of the state. */
function absorb(lanes: Int32Array, bytes: Uint8Array, offset: number, words: number): void {
  for (let word = 0; word < words; word++, offset += 4) {
    lanes[word]! ^= bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)
  }
}

/**
 * Absorbs the last `length` (< {@link RATE}) bytes of the input with Keccak's padding: a 1 bit right after
 * them and a 1 bit at the end of the block (0x01 … 0x80 in bytes; 0x81 when they are the same byte).
 */
function absorbLast(lanes: Int32Array, bytes: Uint8Array, offset: number, length: number): void {
  const words = length >> 2
  absorb(lanes, bytes, offset, words)
  let partial = 0
  for (let i = 0; i < (length & 3); i++) partial |= bytes[offset + 4 * words + i]! << (8 * i)
  lanes[words]! ^= partial | (0x01 << (8 * (length & 3)))
  lanes[RATE_WORDS - 1]! ^= 0x80 << 24
}

/** Writes the first 32 bytes of the state, little-endian, to `out[outAt]`. */
function squeeze(lanes: Int32Array, out: Uint8Array, outAt: number): void {
  for (let word = 0; word < 8; word++, outAt += 4) {
    const value = lanes[word]!
    out[outAt] = value
    out[outAt + 1] = value >>> 8
    out[outAt + 2] = value >>> 16
    out[outAt + 3] = value >>> 24
  }
}
