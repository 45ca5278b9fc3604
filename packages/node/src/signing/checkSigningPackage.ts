import { secp256k1 } from '@noble/curves/secp256k1.js'

export type WireCommitment = { identifier: string; hiding: string; binding: string }

/**
 * Whether a signing package's commitment list can be signed under: between `min` and `max` entries, each
 * identifier a participant of the key and named once, each commitment two valid, non-zero curve points.
 * Checked before a node marks its nonce used, so that a malformed package (from a faulty co-signer or
 * coordinator) never burns a nonce or makes the signing library throw after the mark. Returns why not.
 */
export function signingPackageProblem(commitments: unknown, key: { min: number; max: number; participants: readonly string[] }): string | undefined {
  if (!Array.isArray(commitments)) return 'the commitments are not a list'
  if (commitments.length < key.min || commitments.length > key.max) return `${commitments.length} commitments; the key needs ${key.min} to ${key.max}`
  const seen = new Set<string>()
  for (const c of commitments as WireCommitment[]) {
    if (typeof c?.identifier !== 'string' || !key.participants.includes(c.identifier)) return `a commitment names ${String(c?.identifier)}, not a participant of the key`
    if (seen.has(c.identifier)) return `participant ${c.identifier} is named twice`
    seen.add(c.identifier)
    for (const point of [c.hiding, c.binding]) {
      let valid = false
      try {
        valid = typeof point === 'string' && /^[0-9a-f]{66}$/.test(point) && !secp256k1.Point.fromHex(point).is0()
      } catch {
        valid = false
      }
      if (!valid) return `participant ${c.identifier}'s commitment is not two curve points`
    }
  }
  return undefined
}
