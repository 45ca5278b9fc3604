/**
 * The session tree (built over bytes with its own Keccak, for speed) equals a plain construction with viem's
 * keccak256 over hex: the same leaves, root and proofs, for every size around the powers of two and for random
 * sets of digests. The manager's on-chain check of these proofs is tested in test/sessions.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytesToHex, concat, encodeAbiParameters, hexToBigInt, keccak256, toHex, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { buildSessionTree, sessionLeaf, sessionRootFromProof } from './merkleTree.ts'

/** The reference: every level kept as hex, nodes hashed with viem, sorted as numbers, an odd node moved up; the top node's last byte cleared. */
function referenceTree(digests: readonly Hex[]): { root: Hex; proofs: Hex[][] } {
  const leaf = (digest: Hex) => keccak256(encodeAbiParameters([{ type: 'bytes32' }], [digest]))
  const pair = (a: Hex, b: Hex) => (hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a])))
  const levels = [digests.map(leaf)]
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!
    levels.push(Array.from({ length: Math.ceil(below.length / 2) }, (_, i) => (2 * i + 1 < below.length ? pair(below[2 * i]!, below[2 * i + 1]!) : below[2 * i]!)))
  }
  const proofs = digests.map((_, leafIndex) =>
    levels.slice(0, -1).flatMap((level, height) => {
      const sibling = (leafIndex >> height) ^ 1
      return sibling < level.length ? [level[sibling]!] : []
    }),
  )
  // The root: the top node with its last byte cleared (the manager keeps flags there).
  return { root: `${levels[levels.length - 1]![0]!.slice(0, -2)}00` as Hex, proofs }
}

const digestsOf = (count: number, tag = 'd') => Array.from({ length: count }, (_, i) => keccak256(toHex(`${tag}/${i}`)))

function assertSameAsReference(digests: readonly Hex[]): void {
  const tree = buildSessionTree(digests)
  const reference = referenceTree(digests)
  assert.equal(tree.root, reference.root)
  digests.forEach((digest, i) => {
    const proof = tree.proof(digest)
    assert.deepEqual(proof, reference.proofs[i])
    assert.equal(sessionRootFromProof(digest, proof), tree.root)
  })
}

describe('session Merkle tree against a plain construction', () => {
  it('has the same root and proofs at 1 to 40 sessions and around powers of two up to 1025', () => {
    const sizes = [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 1000, 1023, 1024, 1025]
    for (const size of sizes) assertSameAsReference(digestsOf(size, `size-${size}`))
  })

  it('has the same root and proofs for random sets of digests', () => {
    const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => bytesToHex(bytes))
    fc.assert(
      fc.property(fc.uniqueArray(digest, { minLength: 1, maxLength: 70 }), (digests) => assertSameAsReference(digests)),
      { numRuns: 200 },
    )
  })

  it('sorts a pair as numbers: nodes that differ only in their last byte, or share a long prefix', () => {
    // Digests whose leaves are unknown in advance cannot aim at close nodes; the proof check can: siblings
    // chosen to sit just above and just below the node.
    const digest = digestsOf(1)[0]!
    const leaf = BigInt(sessionLeaf(digest))
    const near = [leaf - 1n, leaf + 1n, leaf ^ 1n, leaf ^ (1n << 255n), 0n, (1n << 256n) - 1n].map((n) => toHex(n, { size: 32 }))
    for (const sibling of near) {
      const pair = (a: Hex, b: Hex) => (hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a])))
      assert.equal(sessionRootFromProof(digest, [sibling]), `${pair(sessionLeaf(digest), sibling).slice(0, -2)}00`) // the root: its last byte cleared
    }
  })

  it('gives the same leaf as abi.encode then keccak256, for digests in either case', () => {
    for (const digest of digestsOf(20)) {
      const expected = keccak256(encodeAbiParameters([{ type: 'bytes32' }], [digest]))
      assert.equal(sessionLeaf(digest), expected)
      assert.equal(sessionLeaf(`0x${digest.slice(2).toUpperCase()}`), expected)
    }
  })

  it('finds a proof whatever the case of the digest, and refuses the same digest in two cases', () => {
    const digests = digestsOf(5)
    const tree = buildSessionTree(digests)
    assert.deepEqual(tree.proof(`0x${digests[3]!.slice(2).toUpperCase()}`), tree.proof(digests[3]!))
    assert.throws(() => buildSessionTree([digests[0]!, `0x${digests[0]!.slice(2).toUpperCase()}`]), /twice/)
    assert.throws(() => tree.proof(digestsOf(1, 'other')[0]!), /not in this tree/)
  })

  it('refuses digests and proof nodes that are not 32 bytes of hex', () => {
    const digest = digestsOf(1)[0]!
    for (const bad of ['0x1234', `${digest}00`, digest.slice(0, -1), `0x${'zz'.repeat(32)}`, digest.slice(2)] as Hex[]) {
      assert.throws(() => buildSessionTree([digest, bad]), InvalidParameterError)
      assert.throws(() => sessionLeaf(bad), InvalidParameterError)
      assert.throws(() => sessionRootFromProof(digest, [bad]), /proof\[0\]/)
    }
  })
})
