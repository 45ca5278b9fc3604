/**
 * Keccak-f[1600], the permutation under keccak256, as a WebAssembly function assembled here from its
 * definition (FIPS 202, 3.3), for the loops that hash many sessions (keccak256Bytes.ts).
 *
 * Why WebAssembly: a tree of 10^5 sessions costs 5 × 10^5 permutations (3 for the digest of a typical
 * 321-byte session, 1 per leaf, 1 per inner node). On the benchmark machine @noble's permutation (viem's
 * keccak256) measured ≈4.5 µs, one written out step by step in JavaScript over 32-bit halves (tried first)
 * ≈1.1 µs, and this one ≈0.3 µs: WebAssembly has 64-bit XOR and rotate, Keccak's steps, as single instructions.
 *
 * Why not a library: hash-wasm (maintained, no dependencies) was tried in its place on 2026-12-06: the tree
 * of 10^5 sessions took 1,253 ms (median of 5; 861–1,326) against this module's 687 ms, because every call
 * copies its input in and allocates its output, and its hasher is made asynchronously, so the synchronous
 * `buildSessionTree` and `sessionDigest` could use it only after a load that every caller would have to
 * await. @noble (viem's) and js-sha3 are plain JavaScript and slower still (10^5 digests of 321 bytes: 1.4 s
 * and 0.75 s alone). Any mistake here shows at once: keccak256Bytes.test.ts compares every length across
 * three blocks and random inputs with viem's keccak256, and a wrong digest or root is refused on chain,
 * which recomputes both.
 *
 * The module has one memory: the 25 lanes at bytes 0–199 (lane x + 5y at byte 8(x + 5y), little-endian),
 * the 24 round constants at bytes 200–391, written by {@link instantiateKeccakF1600}. Its one function,
 * `permute`, takes no argument: it loads the lanes into locals, runs the 24 rounds, stores them back.
 */

/** The lanes, as (low, high) 32-bit word pairs, and the permutation that updates them in place. */
export type KeccakF1600 = { lanes: Int32Array; permute: () => void }

/** The part of the WebAssembly API used here (not in this project's TypeScript libraries, and not in every runtime). */
type WebAssemblyApi = {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }; permute: () => void } }
}

/** The permutation, or undefined where WebAssembly cannot run (a page whose Content-Security-Policy forbids it, node --jitless, a big-endian host). */
export function instantiateKeccakF1600(): KeccakF1600 | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly
  // The lanes are read through an Int32Array, in the host's byte order; WebAssembly's is little-endian.
  const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1
  if (wasm === undefined || !littleEndian) return undefined
  try {
    const { exports } = new wasm.Instance(new wasm.Module(keccakModule()))
    new Int32Array(exports.memory.buffer, ROUND_CONSTANTS_AT, 48).set(roundConstants())
    return { lanes: new Int32Array(exports.memory.buffer, 0, 50), permute: exports.permute }
  } catch {
    return undefined
  }
}

const ROUND_CONSTANTS_AT = 200

/** ρ's rotation offsets by lane x + 5y (FIPS 202, table 2): lane (1, 0) by 1, then along π's path by the triangular numbers. */
const OFFSETS = (() => {
  const offsets = new Array<number>(25).fill(0)
  for (let t = 0, x = 1, y = 0; t < 24; t++, [x, y] = [y, (2 * x + 3 * y) % 5]) offsets[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64
  return offsets
})()

// The instructions used (WebAssembly core specification, 5.4).
const op = {
  loop: 0x03, end: 0x0b, brIf: 0x0d, localGet: 0x20, localSet: 0x21, localTee: 0x22, i64Load: 0x29, i64Store: 0x37,
  i32Const: 0x41, i64Const: 0x42, i32LtU: 0x49, i32Add: 0x6a, i32Shl: 0x74, i64And: 0x83, i64Xor: 0x85, i64Rotl: 0x89,
} as const
const VOID_BLOCK = 0x40
const I32 = 0x7f
const I64 = 0x7e

// The function's locals: the round (i32), then the i64 lanes A, the lanes after ρ and π B, θ's column parities C and D.
const ROUND = 0
const A = (lane: number) => 1 + lane
const B = (lane: number) => 26 + lane
const C = (x: number) => 51 + x
const D = (x: number) => 56 + x
const I64_LOCALS = 60

function keccakModule(): Uint8Array {
  const round = [...theta(), ...rhoPi(), ...chi(), ...iota(), ...nextRound()]
  const body = [...vector([[1, I32], [I64_LOCALS, I64]]), ...loadLanes(), op.loop, VOID_BLOCK, ...round, op.end, ...storeLanes(), op.end]
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([[0x60, 0, 0]])), // one type: no parameters, no results
    ...section(3, vector([[0]])), // one function, of that type
    ...section(5, vector([[0, 1]])), // one memory of one page
    ...section(7, vector([[...name('memory'), 2, 0], [...name('permute'), 0, 0]])),
    ...section(10, vector([[...unsigned(body.length), ...body]])),
  ])
}

const get = (local: number) => [op.localGet, ...unsigned(local)]
const set = (local: number) => [op.localSet, ...unsigned(local)]
const i32 = (value: number) => [op.i32Const, ...signed(value)]
const i64 = (value: number) => [op.i64Const, ...signed(value)]
/** A 64-bit load or store at byte `at` of the memory (alignment 2^3). */
const memoryAt = (instruction: number, at: number) => [instruction, 3, ...unsigned(at)]

function loadLanes(): number[] {
  return Array.from({ length: 25 }, (_, lane) => [...i32(0), ...memoryAt(op.i64Load, 8 * lane), ...set(A(lane))]).flat()
}

function storeLanes(): number[] {
  return Array.from({ length: 25 }, (_, lane) => [...i32(0), ...get(A(lane)), ...memoryAt(op.i64Store, 8 * lane)]).flat()
}

/** θ, its parities: Cx = the XOR of column x; Dx = C(x−1) ⊕ rotl(C(x+1), 1). */
function theta(): number[] {
  const code: number[] = []
  for (let x = 0; x < 5; x++) code.push(...get(A(x)), ...[1, 2, 3, 4].flatMap((y) => [...get(A(x + 5 * y)), op.i64Xor]), ...set(C(x)))
  for (let x = 0; x < 5; x++) code.push(...get(C((x + 4) % 5)), ...get(C((x + 1) % 5)), ...i64(1), op.i64Rotl, op.i64Xor, ...set(D(x)))
  return code
}

/** θ's last step, then ρ and π: lane x + 5y, XORed with Dx and rotated by its offset, moves to lane y + 5((2x + 3y) mod 5). */
function rhoPi(): number[] {
  const code: number[] = []
  for (let lane = 0; lane < 25; lane++) {
    const [x, y] = [lane % 5, Math.floor(lane / 5)]
    code.push(...get(A(lane)), ...get(D(x)), op.i64Xor)
    if (OFFSETS[lane] !== 0) code.push(...i64(OFFSETS[lane]!), op.i64Rotl)
    code.push(...set(B(y + 5 * ((2 * x + 3 * y) % 5))))
  }
  return code
}

/** χ: lane x of a row = B[x] ⊕ (¬B[x+1] ∧ B[x+2]), ¬ as XOR with all ones. */
function chi(): number[] {
  const code: number[] = []
  for (let lane = 0; lane < 25; lane++) {
    const row = lane - (lane % 5)
    const next = (step: number) => row + ((lane + step) % 5)
    code.push(...get(B(lane)), ...get(B(next(1))), ...i64(-1), op.i64Xor, ...get(B(next(2))), op.i64And, op.i64Xor, ...set(A(lane)))
  }
  return code
}

/** ι: lane 0 ⊕= the round's constant, read from the memory at 200 + 8 × round. */
function iota(): number[] {
  return [...get(A(0)), ...get(ROUND), ...i32(3), op.i32Shl, ...memoryAt(op.i64Load, ROUND_CONSTANTS_AT), op.i64Xor, ...set(A(0))]
}

/** round += 1, and loop again while round < 24. */
function nextRound(): number[] {
  return [...get(ROUND), ...i32(1), op.i32Add, op.localTee, ...unsigned(ROUND), ...i32(24), op.i32LtU, op.brIf, 0]
}

/**
 * ι's 24 round constants as (low, high) word pairs, from the LFSR of FIPS 202 (algorithm 5): bit 2^j − 1
 * of round i's constant is rc(7i + j), j = 0..6.
 */
function roundConstants(): Int32Array {
  const words = new Int32Array(48)
  let lfsr = 1
  for (let round = 0; round < 24; round++) {
    for (let j = 0; j < 7; j++) {
      const bit = (1 << j) - 1
      if (lfsr & 1) words[2 * round + (bit >= 32 ? 1 : 0)]! |= 1 << bit % 32
      lfsr = lfsr & 0x80 ? (lfsr << 1) ^ 0x171 : lfsr << 1
    }
  }
  return words
}

// The binary format's encodings (WebAssembly core specification, 5.1–5.5).
function unsigned(value: number): number[] {
  const bytes: number[] = []
  do {
    const low = value & 0x7f
    value >>>= 7
    bytes.push(value === 0 ? low : low | 0x80)
  } while (value !== 0)
  return bytes
}

function signed(value: number): number[] {
  const bytes: number[] = []
  for (;;) {
    const low = value & 0x7f
    value >>= 7
    if ((value === 0 && (low & 0x40) === 0) || (value === -1 && (low & 0x40) !== 0)) return [...bytes, low]
    bytes.push(low | 0x80)
  }
}

const vector = (items: readonly (readonly number[])[]) => [...unsigned(items.length), ...items.flat()]
const section = (id: number, content: readonly number[]) => [id, ...unsigned(content.length), ...content]
const name = (text: string) => vector([...text].map((c) => [c.charCodeAt(0)]))
