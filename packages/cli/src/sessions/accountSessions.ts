import { getCode, readContract } from 'viem/actions'
import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { isSessionManagerInstalled } from '@latchkey/sdk'
import { UsageError } from '../support/errors.ts'

/** What the manager holds for an account as a whole, whatever session is asked about. */
export type AccountSessionState = {
  managerInstalled: boolean
  /** The Merkle root of the sessions granted by root; zero when none (or after a revoke-all). */
  merkleRoot: Hex
  /** How many times the owner revoked all sessions: approvals signed under an older epoch are void. */
  epoch: bigint
}

/**
 * Refuses a manager address without code: a wrong --manager (or a grant for another deployment) is said
 * as such, before the manager's reads fail with viem's "returned no data".
 */
export async function assertManagerDeployed(client: Client<Transport, Chain | undefined>, manager: Address): Promise<void> {
  const code = await getCode(client, { address: manager })
  if (!code || code === '0x') throw new UsageError(`there is no contract at the session manager address ${manager} on this chain`)
}

/** Reads whether the account installed the manager, and the account's root and revoke-all epoch there. */
export async function readAccountSessionState(client: Client<Transport, Chain | undefined>, account: Address, manager: Address): Promise<AccountSessionState> {
  await assertManagerDeployed(client, manager)
  const [managerInstalled, merkleRoot, epoch] = await Promise.all([
    isSessionManagerInstalled(client, account, manager),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account] }),
  ])
  return { managerInstalled, merkleRoot, epoch: BigInt(epoch) }
}
