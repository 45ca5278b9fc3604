import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hexToBytes } from 'viem'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { callSignerNode } from './callSignerNode.ts'
import { canonicalJson } from './canonicalJson.ts'
import type { SignerNodeInfo } from './generateDistributedKey.ts'

/** A FROST key's public package: the group's VSS commitment, and each participant's verifying share. */
export type GroupPublicPackage = { signers: { min: number; max: number }; commitments: Uint8Array[]; verifyingShares: Record<string, Uint8Array> }
type RawPackage = { signers: { min: number; max: number }; commitments: string[]; verifyingShares: Record<string, string> }

const bytes = (hex: string) => hexToBytes(`0x${hex}`)

/** The package's first commitment is the group key, and each verifying share is the commitment polynomial at its identifier. */
function isConsistent(groupKey: string, raw: RawPackage): boolean {
  try {
    const { Point } = secp256k1
    const n = Point.Fn.ORDER
    const points = raw.commitments.map((c) => Point.fromHex(c))
    if (points.length !== raw.signers.min || !points[0]!.equals(Point.fromHex(groupKey))) return false
    const ids = Object.keys(raw.verifyingShares)
    if (ids.length !== raw.signers.max) return false
    for (const id of ids) {
      const x = BigInt(`0x${id}`) % n
      let expected = Point.ZERO
      let power = 1n
      for (const point of points) {
        expected = expected.add(point.multiplyUnsafe(power))
        power = (power * x) % n
      }
      if (!expected.equals(Point.fromHex(raw.verifyingShares[id]!))) return false
    }
    return true
  } catch {
    return false
  }
}

/**
 * The group key's public package, asked of every node. An answer counts only if it starts with the group key
 * and gives each verifying share as the commitment's value at that node's identifier; the package used is
 * one that at least `threshold` nodes give identically. So one faulty node can neither skew which shares
 * verify (and frame an honest node) nor stop the others from signing.
 */
export async function groupPublicPackage(nodes: readonly SignerNodeInfo[], groupKey: string, threshold: number): Promise<GroupPublicPackage> {
  const answers = await Promise.allSettled(nodes.map((node) => callSignerNode<RawPackage>(`${node.url}/keys/${groupKey}/public`)))
  const votes = new Map<string, { raw: RawPackage; count: number }>()
  for (const answer of answers) {
    if (answer.status !== 'fulfilled' || !isConsistent(groupKey, answer.value)) continue
    const key = canonicalJson(answer.value)
    const vote = votes.get(key) ?? { raw: answer.value, count: 0 }
    vote.count++
    votes.set(key, vote)
  }
  const agreed = [...votes.values()].find((vote) => vote.count >= threshold)
  if (!agreed) throw new LatchkeyError(`No ${threshold} signer nodes agree on a valid public package for the group key (${answers.filter((a) => a.status === 'fulfilled').length} of ${nodes.length} answered).`)
  const { raw } = agreed
  return { signers: raw.signers, commitments: raw.commitments.map(bytes), verifyingShares: Object.fromEntries(Object.entries(raw.verifyingShares).map(([id, v]) => [id, bytes(v)])) }
}
