import { hexToBigInt, size, slice, type Chain, type Client, type Transport } from 'viem'
import { call } from 'viem/actions'
import type { WatchCondition } from './jobSpec.ts'

/** The first word the watched view call answers now (as a uint256); throws when it reverts or answers less than a word. */
export async function readWatched(client: Client<Transport, Chain | undefined>, watch: WatchCondition): Promise<bigint> {
  const { data } = await call(client, { to: watch.to, data: watch.data })
  if (!data || size(data) < 32) throw new Error(`the watched call to ${watch.to} answered ${data ?? 'nothing'}, not a 32-byte word`)
  return hexToBigInt(slice(data, 0, 32))
}

/** Whether `value` meets the watch: strictly below `below`, or strictly above `above`. */
export const watchHolds = (watch: WatchCondition, value: bigint) => (watch.below !== undefined ? value < watch.below : value > watch.above!)

export const describeWatch = (watch: WatchCondition) => (watch.below !== undefined ? `below ${watch.below}` : `above ${watch.above}`)
