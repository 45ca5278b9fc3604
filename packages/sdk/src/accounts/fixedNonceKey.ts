import type { Address, Chain, Client, Transport } from 'viem'
import { entryPoint07Abi, entryPoint07Address, type SmartAccount } from 'viem/account-abstraction'
import { readContract } from 'viem/actions'

/**
 * Makes `account` use one fixed nonce key unless a caller names another. viem's default picks a new,
 * time-based key for every userOp: ≈17k gas on each key's first use, and on accounts that select the
 * validator in the key (OpenZeppelin, Nexus), a key that names no validator at all.
 */
export function useFixedNonceKey<account extends SmartAccount>(
  account: account,
  client: Client<Transport, Chain | undefined>,
  sender: Address,
  nonceKey: bigint,
): account {
  account.getNonce = async (args) =>
    readContract(client, { address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getNonce', args: [sender, args?.key ?? nonceKey] })
  return account
}
