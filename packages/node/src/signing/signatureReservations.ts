import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { counterKeyString, type CounterIncrement, type ReservedUsage } from '@latchkey/sdk'
import type { LimitUsage } from '@latchkey/sdk'
import type { NodeStore, StoredReservation } from '../storage/nodeStore.ts'

/** The other nonces' open reservations, per session, and the one already held for the request's own nonce. */
export type OpenReservations = { reserved: (digest: Hex) => ReservedUsage; sameNonce: StoredReservation | undefined }

/** What one session of a released op adds to its counters. */
export type SessionIncrements = { digest: Hex; counters: CounterIncrement[] }

type StoredCounter = { digest: Hex; module: Address; permissionIndex: string; limitIndex: number; periodId: string; used: string }

/** One entry per counter and period: the largest amount given for it. */
function largerOfEach(counters: readonly StoredCounter[]): StoredCounter[] {
  const largest = new Map<string, StoredCounter>()
  for (const c of counters) {
    const key = `${c.digest.toLowerCase()}/${c.module.toLowerCase()}/${c.permissionIndex}/${c.limitIndex}/${c.periodId}`
    const held = largest.get(key)
    if (!held || BigInt(c.used) > BigInt(held.used)) largest.set(key, c)
  }
  return [...largest.values()]
}

/**
 * The amounts a node has promised: for each op it released a signature share for, what the op adds to its
 * sessions' counters, kept durably until the op can no longer move them: its nonce is consumed (it landed,
 * and the chain's counters now hold it, or another op took the nonce) or its window is over. Keyed by the
 * op's sender and nonce: a second request for the same nonce is checked without the first (only one of
 * the two ops can land), and the reservation then holds the larger of their amounts.
 * Every check counts the open reservations of the sender's other nonces as if they had landed.
 */
export class SignatureReservations {
  constructor(private readonly store: NodeStore) {}

  /**
   * The reservations of `sender`'s other nonces that are still open at the client's (pinned) block, as a
   * lookup per session; the closed ones are dropped from the store.
   */
  async open(client: Client<Transport, Chain | undefined>, sender: Address, nonce: bigint): Promise<OpenReservations> {
    const rows = await this.store.reservations(sender.toLowerCase())
    if (rows.length === 0) return { reserved: () => () => [], sameNonce: undefined }
    const [closed, open] = await this.#partition(client, sender, rows)
    if (closed.length > 0) await this.store.deleteReservations(sender.toLowerCase(), closed.map((row) => row.nonce))
    const byCounter = new Map<string, LimitUsage[]>()
    for (const row of open) {
      if (BigInt(row.nonce) === nonce) continue // checked apart: the request's op and it cannot both land
      for (const c of JSON.parse(row.counters) as StoredCounter[]) {
        const key = counterKeyString(c.digest, { module: c.module, permissionIndex: BigInt(c.permissionIndex), limitIndex: c.limitIndex })
        const list = byCounter.get(key) ?? []
        list.push({ periodId: BigInt(c.periodId), used: BigInt(c.used) })
        byCounter.set(key, list)
      }
    }
    return { reserved: (digest) => (counter) => byCounter.get(counterKeyString(digest, counter)) ?? [], sameNonce: open.find((row) => BigInt(row.nonce) === nonce) }
  }

  /**
   * Keeps what a released op adds (nothing for an op that moves no counter). When a share was already
   * released for another op at this nonce (`sameNonce`), either op may land but not both: the reservation
   * keeps, for each counter and period, the larger of the two amounts, and the later window end.
   */
  async save(sender: Address, nonce: bigint, validUntil: number, sessions: readonly SessionIncrements[], sameNonce?: StoredReservation): Promise<void> {
    const added: StoredCounter[] = sessions.flatMap(({ digest, counters }) =>
      counters.map((c) => ({ digest, module: c.module, permissionIndex: c.permissionIndex.toString(), limitIndex: c.limitIndex, periodId: c.usage.periodId.toString(), used: c.usage.used.toString() })),
    )
    const counters = sameNonce ? largerOfEach([...(JSON.parse(sameNonce.counters) as StoredCounter[]), ...added]) : added
    if (counters.length === 0) return
    const end = sameNonce === undefined ? validUntil : validUntil === 0 || sameNonce.validUntil === 0 ? 0 : Math.max(validUntil, sameNonce.validUntil)
    await this.store.saveReservation({ sender: sender.toLowerCase(), nonce: nonce.toString(), validUntil: end, counters: JSON.stringify(counters) })
  }

  /** Splits the rows into closed (nonce consumed, or window over at the latest block) and open. */
  async #partition(client: Client<Transport, Chain | undefined>, sender: Address, rows: StoredReservation[]): Promise<[StoredReservation[], StoredReservation[]]> {
    const keys = [...new Set(rows.map((row) => BigInt(row.nonce) >> 64n))]
    const [block, ...next] = await Promise.all([
      getBlock(client, { blockTag: 'latest' }),
      ...keys.map((key) => readContract(client, { address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getNonce', args: [sender, key] })),
    ])
    const nextOf = new Map(keys.map((key, i) => [key, next[i] as bigint]))
    const latest = Number(block.timestamp)
    const isClosed = (row: StoredReservation) => BigInt(row.nonce) < nextOf.get(BigInt(row.nonce) >> 64n)! || (row.validUntil !== 0 && row.validUntil < latest)
    return [rows.filter(isClosed), rows.filter((row) => !isClosed(row))]
  }
}
