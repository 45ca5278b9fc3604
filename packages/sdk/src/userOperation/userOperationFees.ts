import type { Chain, Client, Transport } from 'viem'
import { chainFees } from '../policies/chainFees.ts'

/**
 * The fees the SDK offers for a userOp when none are given: the node's suggested priority fee as it is, and
 * a maxFeePerGas with room for the base fee to double (`2 × baseFee + priority fee`).
 *
 * Why not viem's default: `prepareUserOperation` offers twice the suggested priority fee. A node suggests
 * the tips recently paid, so on a chain where one's own ops are most of the traffic (a devnet, a quiet
 * rollup) each op doubles the next one's tip: 1 → 119 gwei in eight ops on the devnet, which soon exceeds
 * any session's fee cap. Offering the suggestion itself is stable.
 */
export async function userOperationFees(client: Client<Transport, Chain | undefined>): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
  const { baseFeePerGas, maxPriorityFeePerGas, neededFeePerGas } = await chainFees(client)
  if (baseFeePerGas === undefined) return { maxFeePerGas: neededFeePerGas, maxPriorityFeePerGas: neededFeePerGas }
  return { maxFeePerGas: 2n * baseFeePerGas + maxPriorityFeePerGas, maxPriorityFeePerGas }
}
