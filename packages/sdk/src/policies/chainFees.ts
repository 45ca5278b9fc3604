import type { Chain, Client, Transport } from 'viem'
import { estimateMaxPriorityFeePerGas, getBlock, getGasPrice } from 'viem/actions'

/** What the chain asks of a transaction now. */
export type ChainFees = {
  /** The latest block's base fee (undefined on a chain without EIP-1559). */
  baseFeePerGas: bigint | undefined
  /** The priority fee the node suggests (`eth_maxPriorityFeePerGas`; 0 on a chain without EIP-1559). */
  maxPriorityFeePerGas: bigint
  /** The least `maxFeePerGas` an op must offer to be included now: base fee + priority fee (or the gas price). */
  neededFeePerGas: bigint
}

/** The chain's current fees: the latest block's base fee and the node's priority fee (or the legacy gas price). */
export async function chainFees(client: Client<Transport, Chain | undefined>): Promise<ChainFees> {
  const block = await getBlock(client, { blockTag: 'latest' })
  if (block.baseFeePerGas === null || block.baseFeePerGas === undefined) {
    return { baseFeePerGas: undefined, maxPriorityFeePerGas: 0n, neededFeePerGas: await getGasPrice(client) }
  }
  const maxPriorityFeePerGas = await estimateMaxPriorityFeePerGas(client, { chain: client.chain ?? null })
  return { baseFeePerGas: block.baseFeePerGas, maxPriorityFeePerGas, neededFeePerGas: block.baseFeePerGas + maxPriorityFeePerGas }
}
