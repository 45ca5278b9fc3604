import { encodeFunctionData, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import type { SmartAccount } from 'viem/account-abstraction'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { isSessionManagerInstalled } from './grantSessions.ts'
import { sendUserOperationAndWait, type SendUserOperationAndWaitReturnType } from './sendUserOperationAndWait.ts'

export type RevokeSessionsParameters = {
  account: SmartAccount
  manager: Address
  /** The digests to revoke, or 'all' for every session and every outstanding approval. */
  sessions: readonly Hex[] | 'all'
  chainClient?: Client<Transport, Chain | undefined> | undefined
}

/**
 * Revokes sessions in one owner userOp. Revoked sessions fail on chain and in the off-chain check; an
 * approval of a revoked session can no longer be used. `'all'` also drops the Merkle root and moves the
 * account's epoch on, which voids every approval not used yet. The manager must be installed on the account.
 *
 * Revoking digests one by one marks the account for good: from then on each of its root-mode uses also reads
 * the session's revocation record (+2,100 gas per use; docs/sessions.md §4). To drop sessions granted by root
 * without that cost, call {@link grantSessions} with the sessions that remain: the new root leaves the others
 * out (they would work again only under a later root that holds them).
 *
 * @example
 * await revokeSessions(bundlerClient, { account, manager, sessions: [grant.digest] })
 */
export async function revokeSessions(
  bundlerClient: Parameters<typeof sendUserOperationAndWait>[0],
  parameters: RevokeSessionsParameters,
): Promise<SendUserOperationAndWaitReturnType> {
  const { account, manager, sessions } = parameters
  if (sessions !== 'all' && sessions.length === 0) throw new InvalidParameterError('sessions', 'nothing to revoke')
  const client = (parameters.chainClient ?? account.client) as Client<Transport, Chain | undefined>
  if (!(await isSessionManagerInstalled(client, account.address, manager))) {
    // The manager refuses configuration from an account that has not installed it (SessionManagerNotInstalled).
    throw new InvalidParameterError('manager', `${manager} is not installed on ${account.address}: no session of it can be used, so there is nothing to revoke`)
  }
  const data =
    sessions === 'all'
      ? encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeAllSessions' })
      : encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeSessions', args: [sessions] })
  return sendUserOperationAndWait(bundlerClient, { account, calls: [{ to: manager, data }], chainClient: parameters.chainClient })
}
