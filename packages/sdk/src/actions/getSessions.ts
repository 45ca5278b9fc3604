import type { Chain, Client, Transport } from 'viem'
import type { SessionStore, StoredSession } from '../sessions/sessionStore.ts'
import { getSessionStatus, type SessionStatus } from './getSessionStatus.ts'

export type GetSessionsParameters = {
  store: SessionStore
  /** Only the sessions of this account (any account when omitted). */
  account?: `0x${string}` | undefined
}

export type GetSessionsReturnType = (StoredSession & { status: SessionStatus })[]

/**
 * Lists the sessions in a store with their status read from the chain: pending, active, expired, revoked
 * or not granted (e.g. after a revoke-all, or a new root that left them out).
 *
 * @example
 * const sessions = await getSessions(publicClient, { store })
 * const usable = sessions.filter((s) => s.status === 'active')
 */
export async function getSessions(client: Client<Transport, Chain | undefined>, parameters: GetSessionsParameters): Promise<GetSessionsReturnType> {
  const entries = (await parameters.store.list()).filter(
    (entry) => !parameters.account || entry.grant.account.toLowerCase() === parameters.account.toLowerCase(),
  )
  const statuses = await getSessionStatus(
    client,
    entries.map((entry) => entry.grant),
  )
  return entries.map((entry, i) => ({ ...entry, status: statuses[i]! }))
}
