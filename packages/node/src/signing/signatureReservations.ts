import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { counterKeyString, type CounterIncrement, type ReservedUsage } from '@latchkey/sdk'
import type { LimitUsage } from '@latchkey/sdk'
import type { NodeStore, StoredReservation } from '../storage/nodeStore.ts'

/** What one session of a released op adds to its counters. */
export type SessionIncrements = { digest: Hex; counters: CounterIncrement[] }

type StoredCounter = { digest: Hex; module: Address; permissionIndex: string; limitIndex: number; periodId: string; used: string }

/**
 * The amounts a node has promised: for each op it released a signature share for, what the op adds to its
 * sessions' counters, kept durably until the op can no longer move them: its nonce is consumed (it landed,
 * and the chain's counters now hold it, or another op took the nonce) or its window is over. Keyed by the
 * op's sender and nonce: a second request for the same nonce replaces the first (only one can land).
 * Every check counts the open reservations of the sender's other nonces as if they had landed.
 */
export class SignatureReservations {
  constructor(private readonly store: NodeStore) {}

  /**
   * The reservations of `sender`'s other nonces that are still open at the client's (pinned) block, as a
   * lookup per session; the closed ones are dropped from the store.
   */
  async open(client: Client<Transport, Chain | undefined>, sender: Address, nonce: bigint): Promise<(digest: Hex) => ReservedUsage> {
    const rows = await this.store.reservations(sender.toLowerCase())
    if (rows.length === 0) return () => () => []
    const [closed, open] = await this.#partition(client, sender, rows)
    if (closed.length > 0) await this.store.deleteReservations(sender.toLowerCase(), closed.map((row) => row.nonce))
    const byCounter = new Map<string, LimitUsage[]>()
    for (const row of open) {
      if (BigInt(row.nonce) === nonce) continue // the request replaces it
      for (const c of JSON.parse(row.counters) as StoredCounter[]) {
        const key = counterKeyString(c.digest, { module: c.module, permissionIndex: BigInt(c.permissionIndex), limitIndex: c.limitIndex })
        const list = byCounter.get(key) ?? []
        list.push({ periodId: BigInt(c.periodId), used: BigInt(c.used) })
        byCounter.set(key, list)
      }
    }
    return (digest) => (counter) => byCounter.get(counterKeyString(digest, counter)) ?? []
  }

  /** Keeps what a released op adds (nothing is kept for an op that moves no counter). */
  async save(sender: Address, nonce: bigint, validUntil: number, sessions: readonly SessionIncrements[]): Promise<void> {
    const counters: StoredCounter[] = sessions.flatMap(({ digest, counters }) =>
      counters.map((c) => ({ digest, module: c.module, permissionIndex: c.permissionIndex.toString(), limitIndex: c.limitIndex, periodId: c.usage.periodId.toString(), used: c.usage.used.toString() })),
    )
    if (counters.length === 0) return
    await this.store.saveReservation({ sender: sender.toLowerCase(), nonce: nonce.toString(), validUntil, counters: JSON.stringify(counters) })
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
