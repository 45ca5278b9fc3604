import type { Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { bytes32ToHex, decodeHexInto } from './hexBytes.ts'
import { keccak256Into } from './keccak256Bytes.ts'

/**
 * The Merkle tree of session digests that SessionKeyManager checks: leaf = `keccak256(abi.encode(digest))`
 * (32-byte preimage, so no leaf can pass for an inner node), inner node = keccak256 of the two children
 * sorted (OpenZeppelin's `Hashes.commutativeKeccak256`), an odd node moves up unchanged. The root is the top
 * node with its last byte cleared: the manager keeps flags in that byte of the root's slot, so that a
 * root-mode use reads one slot (docs/sessions.md §3).
 *
 * Written here rather than taken from @openzeppelin/merkle-tree: that package brings ≈36 dependencies
 * (≈20 MB, an older @noble and ethereumjs) into the SDK for one file; a test checks this tree against the
 * manager's on-chain proof check (test/sessions.test.ts), and merkleTree.test.ts against a plain
 * construction with viem. The nodes are bytes, one buffer per level, hashed by {@link keccak256Into}: built
 * over hex strings with viem's keccak256, the tree of 10^5 digests took ≈3.2 s, mostly in the hash and hex
 * conversions, and a fifth of it in garbage collection over its levels of hex strings (viem writes each as a
 * chain of 33 strings), a share that grew with the tree; over bytes it takes ≈0.17 s.
 */
export type SessionTree = {
  root: Hex
  /** The proof of `digest`; throws if it is not in the tree. */
  proof(digest: Hex): Hex[]
}

const NODE = 32

export function sessionLeaf(digest: Hex): Hex {
  const leaf = new Uint8Array(NODE)
  leafInto(digest, leaf, 0)
  return bytes32ToHex(leaf)
}

export function buildSessionTree(digests: readonly Hex[]): SessionTree {
  if (digests.length === 0) throw new InvalidParameterError('sessions', 'a tree needs at least one session')
  const leafIndex = new Map<string, number>()
  const leaves = new Uint8Array(digests.length * NODE)
  digests.forEach((d, i) => {
    const key = d.toLowerCase()
    if (leafIndex.has(key)) throw new InvalidParameterError('sessions', `session ${d} appears twice`)
    leafIndex.set(key, i)
    leafInto(d, leaves, i * NODE)
  })
  const levels = buildLevels(leaves)
  return {
    root: bytes32ToHex(rootOf(levels[levels.length - 1]!)),
    proof(digest) {
      const index = leafIndex.get(digest.toLowerCase())
      if (index === undefined) throw new InvalidParameterError('digest', `${digest} is not in this tree`)
      return proofOf(levels, index)
    },
  }
}

/** Recomputes the root from a digest and its proof (what the manager does). */
export function sessionRootFromProof(digest: Hex, proof: readonly Hex[]): Hex {
  const node = new Uint8Array(NODE)
  leafInto(digest, node, 0)
  const sibling = new Uint8Array(NODE)
  proof.forEach((hex, i) => {
    readNode(hex, `proof[${i}]`, sibling, 0)
    hashPairInto(node, 0, sibling, 0, node, 0)
  })
  return bytes32ToHex(rootOf(node))
}

/** The root of a tree whose top node is `top`: its last byte cleared. */
function rootOf(top: Uint8Array): Uint8Array {
  const root = top.slice(0, NODE)
  root[NODE - 1] = 0
  return root
}

/** The levels of the tree from the leaves up to the root, each its nodes' 32 bytes one after the other. */
function buildLevels(leaves: Uint8Array): Uint8Array[] {
  const levels = [leaves]
  for (let below = leaves; below.length > NODE; ) {
    const count = below.length / NODE
    const above = new Uint8Array(Math.ceil(count / 2) * NODE)
    for (let i = 0; i + 1 < count; i += 2) hashPairInto(below, i * NODE, below, (i + 1) * NODE, above, (i / 2) * NODE)
    if (count % 2 === 1) above.set(below.subarray((count - 1) * NODE), ((count - 1) / 2) * NODE)
    levels.push(above)
    below = above
  }
  return levels
}

/** The sibling of the node on the path from leaf `index` at each level that has one. */
function proofOf(levels: readonly Uint8Array[], index: number): Hex[] {
  const proof: Hex[] = []
  for (let level = 0; level < levels.length - 1; level++, index >>= 1) {
    const sibling = (index ^ 1) * NODE
    if (sibling < levels[level]!.length) proof.push(bytes32ToHex(levels[level]!, sibling))
  }
  return proof
}

/** The two nodes being hashed, the smaller first. */
const pair = new Uint8Array(2 * NODE)

/** Writes keccak256 of the nodes at `a[aAt]` and `b[bAt]`, sorted as unsigned 256-bit numbers, to `out[outAt]`. */
function hashPairInto(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, out: Uint8Array, outAt: number): void {
  const aFirst = isBelow(a, aAt, b, bAt)
  copyNode(a, aAt, pair, aFirst ? 0 : NODE)
  copyNode(b, bAt, pair, aFirst ? NODE : 0)
  keccak256Into(pair, 0, 2 * NODE, out, outAt)
}

/** Big-endian bytes compare as the numbers they encode. */
function isBelow(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number): boolean {
  for (let i = 0; i < NODE; i++) {
    if (a[aAt + i] !== b[bAt + i]) return a[aAt + i]! < b[bAt + i]!
  }
  return false
}

function copyNode(from: Uint8Array, fromAt: number, to: Uint8Array, toAt: number): void {
  for (let i = 0; i < NODE; i++) to[toAt + i] = from[fromAt + i]!
}

/** Writes the leaf of `digest`, `keccak256(abi.encode(digest))`, to `out[outAt]`: abi.encode of a bytes32 is its 32 bytes. */
function leafInto(digest: Hex, out: Uint8Array, outAt: number): void {
  readNode(digest, 'digest', out, outAt)
  keccak256Into(out, outAt, NODE, out, outAt)
}

/** Writes the 32 bytes of `hex` to `out[outAt]`; throws naming `field` unless it is exactly 32 bytes of hex. */
function readNode(hex: Hex, field: string, out: Uint8Array, outAt: number): void {
  if (hex.length !== 2 + 2 * NODE || !decodeHexInto(hex, out, outAt)) throw new InvalidParameterError(field, `${hex} is not 32 bytes of hex`)
}
