import type { Chain, Client, Transport } from 'viem'
import { readSessionState } from '../sessions/readSessionState.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'

/** Where a session stands now: pending (not valid yet), active, expired or revoked, or not granted. */
export type SessionStatus = 'pending' | 'active' | 'expired' | 'revoked' | 'not-granted'

/**
 * The status of each grant, read from the chain (the manager's root, record and epoch, and the latest
 * block's time).
 */
export async function getSessionStatus(client: Client<Transport, Chain | undefined>, grants: readonly SessionGrant[]): Promise<SessionStatus[]> {
  return Promise.all(
    grants.map(async (grant) => {
      const state = await readSessionState(client, grant)
      if (state.grant === 'revoked') return 'revoked'
      if (state.grant === 'not-granted' || state.grant === 'not-installed') return 'not-granted'
      if (state.now < grant.session.validAfter) return 'pending'
      if (grant.session.validUntil !== 0 && state.now > grant.session.validUntil) return 'expired'
      return 'active'
    }),
  )
}
