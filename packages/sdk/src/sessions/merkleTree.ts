import { encodeAbiParameters, hexToBigInt, keccak256, concat, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * The Merkle tree of session digests that SessionKeyManager checks: leaf = `keccak256(abi.encode(digest))`
 * (32-byte preimage, so no leaf can pass for an inner node), inner node = keccak256 of the two children
 * sorted (OpenZeppelin's `Hashes.commutativeKeccak256`), an odd node moves up unchanged.
 *
 * Written here rather than taken from @openzeppelin/merkle-tree: that package brings ≈36 dependencies
 * (≈20 MB, an older @noble and ethereumjs) into the SDK for ~40 lines; a test checks this tree against
 * the manager's on-chain proof check.
 */
export type SessionTree = {
  root: Hex
  /** The proof of `digest`; throws if it is not in the tree. */
  proof(digest: Hex): Hex[]
}

export function sessionLeaf(digest: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }], [digest]))
}

function hashPair(a: Hex, b: Hex): Hex {
  return hexToBigInt(a) < hexToBigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]))
}

export function buildSessionTree(digests: readonly Hex[]): SessionTree {
  if (digests.length === 0) throw new InvalidParameterError('sessions', 'a tree needs at least one session')
  const leafIndex = new Map<string, number>()
  const leaves = digests.map((d, i) => {
    const key = d.toLowerCase()
    if (leafIndex.has(key)) throw new InvalidParameterError('sessions', `session ${d} appears twice`)
    leafIndex.set(key, i)
    return sessionLeaf(d)
  })
  const layers: Hex[][] = [leaves]
  while (layers[layers.length - 1]!.length > 1) {
    const below = layers[layers.length - 1]!
    const above: Hex[] = []
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? hashPair(below[i]!, below[i + 1]!) : below[i]!)
    layers.push(above)
  }
  return {
    root: layers[layers.length - 1]![0]!,
    proof(digest) {
      let index = leafIndex.get(digest.toLowerCase())
      if (index === undefined) throw new InvalidParameterError('digest', `${digest} is not in this tree`)
      const proof: Hex[] = []
      for (const layer of layers.slice(0, -1)) {
        const sibling = index ^ 1
        if (sibling < layer.length) proof.push(layer[sibling]!)
        index >>= 1
      }
      return proof
    },
  }
}

/** Recomputes the root from a digest and its proof (what the manager does). */
export function sessionRootFromProof(digest: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => hashPair(node, sibling), sessionLeaf(digest))
}
