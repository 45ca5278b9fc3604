import { describeSession, type SessionGrant } from '@latchkey/sdk'
import { formatSessionTime, printJson, printLines } from '../support/output.ts'
import { assertManagerDeployed } from './accountSessions.ts'
import { connectChain } from './chain.ts'
import { assertGrantChain, readGrantFile, type GrantFile } from './grantFiles.ts'
import { readSessionOnChain, type SessionOnChain } from './sessionOnChain.ts'

export type DescribeOptions = { grant: string; rpcUrl?: string; json?: boolean }

/** How the grant is proven, in words. */
function grantLine(grant: SessionGrant): string {
  return grant.grant.type === 'root'
    ? `granted   by the account's Merkle root ${grant.grant.root}`
    : `granted   by an owner approval (signed under revoke-all epoch ${grant.grant.epoch}; recorded on first use)`
}

function chainLines(rpcUrl: string, state: SessionOnChain): string[] {
  return [
    `On chain (${rpcUrl}, latest block ${formatSessionTime(state.blockTime)}):`,
    `  status    ${state.status}`,
    `  grant     ${state.grant}${state.grant === 'granted' ? ` (next use: ${state.nextUse})` : ''}`,
    `  manager   ${state.managerInstalled ? 'installed' : 'not installed'} on the account; revoke-all epoch ${state.epoch}`,
  ]
}

/** Reads the session's state when an RPC is given; the grant must be for that RPC's chain. */
async function stateOnChain(file: GrantFile, rpcUrl: string | undefined): Promise<SessionOnChain | undefined> {
  if (rpcUrl === undefined) return undefined
  const chain = await connectChain(rpcUrl)
  assertGrantChain(file, chain.chainId)
  await assertManagerDeployed(chain.client, file.grant.manager)
  return readSessionOnChain(chain.client, file.grant)
}

/** `latchkey sessions describe`: the SDK's describeSession text of a grant file, and its state on chain with --rpc-url. */
export async function describeGrant(options: DescribeOptions): Promise<void> {
  const file = readGrantFile(options.grant)
  const { grant } = file
  const state = await stateOnChain(file, options.rpcUrl)
  // The SDK's consent text; the manager the grant names is the one whose built-in rules it describes.
  const description = describeSession(grant.session, {
    account: grant.account,
    modules: { sessionKeyManager: grant.manager },
    ...(state ? { now: state.blockTime } : {}),
  }).split('\n')
  if (options.json) {
    const warnings = description.filter((line) => line.startsWith('WARNING'))
    const { chainId, account, manager, digest } = grant
    printJson({ digest, chainId, account, manager, grant: grant.grant, description, warnings, ...(state ? { onChain: state } : {}) })
    return
  }
  printLines([
    `session   ${grant.digest}`,
    `account   ${grant.account} (chain ${grant.chainId})`,
    `manager   ${grant.manager}`,
    grantLine(grant),
    '',
    ...description,
    ...(state && options.rpcUrl ? ['', ...chainLines(options.rpcUrl, state)] : []),
  ])
}
