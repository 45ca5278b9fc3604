import type { Chain, Client, Transport } from 'viem'
import { getSessionStatus, readSessionState, type SessionChainState, type SessionGrant, type SessionMode, type SessionStatus } from '@latchkey/sdk'

/** Where one session stands on chain, as the `sessions` commands report it. */
export type SessionOnChain = {
  /** pending, active, expired, revoked or not-granted (the SDK's getSessionStatus). */
  status: SessionStatus
  /** How the manager holds the grant: granted, revoked, not-granted, or not-installed (no manager on the account). */
  grant: SessionChainState['grant']
  /** How the next use proves the grant: root (Merkle proof), enable (records the approval) or recorded. */
  nextUse: SessionMode
  managerInstalled: boolean
  /** The account's revoke-all epoch at the manager: an approval made under an older epoch is void. */
  epoch: bigint
  /** The latest block's time (Unix seconds): what "active" and "expired" were judged against. */
  blockTime: number
}

/** Reads a session's state through the SDK (readSessionState and getSessionStatus); nothing is judged here. */
export async function readSessionOnChain(client: Client<Transport, Chain | undefined>, grant: SessionGrant): Promise<SessionOnChain> {
  const [state, [status]] = await Promise.all([readSessionState(client, grant), getSessionStatus(client, [grant])])
  return {
    status: status!,
    grant: state.grant,
    nextUse: state.mode,
    managerInstalled: state.grant !== 'not-installed',
    epoch: state.epoch,
    blockTime: state.now,
  }
}
