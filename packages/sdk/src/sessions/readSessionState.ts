import type { Chain, Client, Transport } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { describeInstalledModule, installedModule } from '../erc7579/moduleConfig.ts'
import { isSessionManagerInstalled } from '../actions/grantSessions.ts'
import { latchkeyModules } from '../deployments.ts'
import type { OpIncrements, ReservedUsage } from '../policies/reservedUsage.ts'
import type { SessionChainState } from './checkSessionCalls.ts'
import { createPolicyChecker } from './policyChecker.ts'
import type { SessionGrant } from './sessionGrant.ts'

/** How the next userOp of this session must prove its grant: with the proof, the approval, or the record. */
export type SessionMode = 'root' | 'enable' | 'recorded'

export type SessionState = SessionChainState & {
  mode: SessionMode
  epoch: bigint
  /** What the accepted policy checks of this state add to the counters (see PolicyChecker.increments). */
  increments: () => OpIncrements
}

export type ReadSessionStateOptions = {
  /** Amounts promised to other ops not yet on chain, counted as if they had landed (a signer node's reservations). */
  reserved?: ReservedUsage | undefined
}

/**
 * Reads what the checks need from the chain: the latest block's time, the manager's root, epoch and record
 * for the session, and (lazily) installed modules and policy verdicts ({@link createPolicyChecker}: counters
 * read from the chain and carried from call to call of one userOp). Read it once per userOp.
 */
export async function readSessionState(client: Client<Transport, Chain | undefined>, grant: SessionGrant, options: ReadSessionStateOptions = {}): Promise<SessionState> {
  const { account, manager, digest } = grant
  const [block, installed, record, epoch, root] = await Promise.all([
    getBlock(client, { blockTag: 'latest' }),
    isSessionManagerInstalled(client, account, manager),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'sessionRecord', args: [account, digest] }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account] }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] }),
  ])
  const [status, current] = record
  const policies = createPolicyChecker(client, grant, latchkeyModules, options.reserved)
  let stateGrant: SessionChainState['grant'] = 'not-granted'
  let mode: SessionMode = grant.grant.type === 'root' ? 'root' : 'enable'
  if (!installed) stateGrant = 'not-installed'
  else if (status === 2) stateGrant = 'revoked'
  else if (grant.grant.type === 'root') stateGrant = root.toLowerCase() === grant.grant.root.toLowerCase() ? 'granted' : 'not-granted'
  else if (status === 1 && current) {
    stateGrant = 'granted'
    mode = 'recorded'
  } else stateGrant = grant.grant.epoch === epoch ? 'granted' : 'not-granted'

  return {
    now: Number(block.timestamp),
    grant: stateGrant,
    mode,
    epoch,
    async isInstalledModule(address, selector) {
      const answer = await installedModule(client, account, address, selector)
      return answer === undefined ? false : describeInstalledModule(answer)
    },
    checkPolicy: policies.checkCall,
    checkGas: policies.checkGas,
    snapshot: policies.snapshot,
    increments: policies.increments,
  }
}
