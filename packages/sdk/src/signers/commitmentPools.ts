import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { SignerNodeInfo } from './generateDistributedKey.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { SignerNetworkError } from './signerNetworkErrors.ts'

export type Commitment = { identifier: string; hiding: string; binding: string }
export type PooledCommitment = { commitmentId: string; commitments: Commitment; until: number; generation: number }

/** Commitments asked of a node at a time, and how long the SDK uses one (the nodes keep them 10 minutes). */
const POOL_SIZE = 16
const POOL_LIFETIME_MS = 5 * 60_000
/** Fills one take may wait for while concurrent signatures empty the pool first (16 × 64 = 1,024 at once). */
const MAX_REFILLS_PER_TAKE = 64

/** A node's commitment is two valid, non-zero curve points under its own identifier, or the node misbehaves. */
function isWellFormed(node: SignerNodeInfo, c: Commitment): boolean {
  if (c.identifier !== node.identifier) return false
  try {
    for (const point of [c.hiding, c.binding]) if (!/^[0-9a-f]{66}$/.test(point) || secp256k1.Point.fromHex(point).is0()) return false
    return true
  } catch {
    return false
  }
}

/** More signatures at once than the pools can feed (not a failure of any node). */
export class CommitmentsExhaustedError extends LatchkeyError {
  override name = 'CommitmentsExhaustedError'
}

/** A node answered its commitments with something that is not commitments (it is named, not just down). */
export class MalformedCommitmentError extends SignerNetworkError {
  override name = 'MalformedCommitmentError'
}

/**
 * Nonce commitments the signer nodes made ahead of time (FROST's preprocessing round), per node, so that a
 * signature needs one round trip. A pool is filled `POOL_SIZE` at a time, topped up in the background when
 * it runs low, and concurrent signatures share it (each commitment is taken once). Each fill has a
 * generation: when a node says it no longer holds a commitment (it restarted), the commitments of that fill
 * and older ones are dropped, not those fetched since.
 */
export class CommitmentPools {
  readonly #pools = new Map<string, { taken: PooledCommitment[]; refilling?: Promise<void> | undefined; generation: number }>()

  constructor(readonly fetch: (node: SignerNodeInfo, count: number) => Promise<{ commitmentId: string; commitments: Commitment }[]>) {}

  #pool(node: SignerNodeInfo) {
    let pool = this.#pools.get(node.identifier)
    if (!pool) {
      pool = { taken: [], generation: 0 }
      this.#pools.set(node.identifier, pool)
    }
    return pool
  }

  #refill(node: SignerNodeInfo): Promise<void> {
    const pool = this.#pool(node)
    pool.refilling ??= this.fetch(node, POOL_SIZE)
      .then((nonces) => {
        if (!Array.isArray(nonces) || nonces.length === 0 || nonces.some((n) => typeof n.commitmentId !== 'string' || !isWellFormed(node, n.commitments))) {
          throw new MalformedCommitmentError(node.url, 'its commitments are not two curve points under its identifier', node.identifier)
        }
        const generation = ++pool.generation
        const until = Date.now() + POOL_LIFETIME_MS
        pool.taken.push(...nonces.map((n) => ({ commitmentId: n.commitmentId, commitments: n.commitments, until, generation })))
      })
      .finally(() => {
        pool.refilling = undefined
      })
    return pool.refilling
  }

  /** One of the node's commitments (asked for when none is left, again while concurrent signatures take them first). */
  async take(node: SignerNodeInfo): Promise<PooledCommitment> {
    for (let tries = 0; tries < MAX_REFILLS_PER_TAKE; tries++) {
      const pool = this.#pool(node)
      const now = Date.now()
      pool.taken = pool.taken.filter((p) => p.until > now)
      const taken = pool.taken.shift()
      if (taken) {
        if (pool.taken.length < POOL_SIZE / 4) this.#refill(node).catch(() => undefined)
        return taken
      }
      await this.#refill(node)
    }
    throw new CommitmentsExhaustedError(`Node ${node.url}'s commitments were all taken by concurrent signatures, ${MAX_REFILLS_PER_TAKE} fills in a row: too many signatures at once for one signer.`)
  }

  /** The node no longer holds `stale` (restarted): drops it and everything fetched with or before it. */
  forget(node: SignerNodeInfo, stale: PooledCommitment): void {
    const pool = this.#pool(node)
    pool.taken = pool.taken.filter((p) => p.generation > stale.generation)
  }
}
