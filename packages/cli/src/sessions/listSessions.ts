import { zeroHash, type Address } from 'viem'
import { formatSessionTime, printJson, printLines } from '../support/output.ts'
import { readAccountSessionState, type AccountSessionState } from './accountSessions.ts'
import { connectChain } from './chain.ts'
import { accountOfGrants, assertGrantChain, managerOfGrants, readGrantFiles, type GrantFile } from './grantFiles.ts'
import { readSessionOnChain, type SessionOnChain } from './sessionOnChain.ts'

export type ListOptions = { account?: Address; grant?: string[]; manager?: Address; rpcUrl: string; json?: boolean }

type ListedSession = { file: string; digest: string; validAfter: number; validUntil: number; permissions: number; onChain: SessionOnChain }

function accountLines(account: Address, chainId: number, manager: Address, state: AccountSessionState): string[] {
  return [
    `account   ${account} (chain ${chainId})`,
    `manager   ${manager} (${state.managerInstalled ? 'installed' : 'not installed'} on the account)`,
    `root      ${state.merkleRoot === zeroHash ? 'none (no session granted by root)' : state.merkleRoot}`,
    `epoch     ${state.epoch} (revoke-all count: approvals signed under an older epoch are void)`,
  ]
}

function sessionLine(s: ListedSession): string {
  const until = s.validUntil === 0 ? 'no expiry' : `until ${formatSessionTime(s.validUntil)}`
  return `  ${s.onChain.status.padEnd(11)} ${s.digest}  ${until}, ${s.permissions} permission${s.permissions === 1 ? '' : 's'}  (${s.file})`
}

/** The chain keeps only digests and a root, never the sessions: the grant files are what can be listed. */
function sessionsLines(sessions: readonly ListedSession[]): string[] {
  if (sessions.length === 0) return ['sessions  none given (the chain keeps only digests and a root: pass the grant files with --grant)']
  return [`sessions  ${sessions.length} from grant files:`, ...sessions.map(sessionLine)]
}

async function listSession({ path, grant }: GrantFile, client: Parameters<typeof readSessionOnChain>[0]): Promise<ListedSession> {
  const { session, digest } = grant
  return { file: path, digest, validAfter: session.validAfter, validUntil: session.validUntil, permissions: session.permissions.length, onChain: await readSessionOnChain(client, grant) }
}

/** `latchkey sessions list`: the manager's state for the account, and each grant file's session with its state. */
export async function listSessions(options: ListOptions): Promise<void> {
  const files = readGrantFiles(options.grant ?? [])
  const account = accountOfGrants(files, options.account)
  const manager = managerOfGrants(files, options.manager)
  const chain = await connectChain(options.rpcUrl)
  files.forEach((file) => assertGrantChain(file, chain.chainId))
  const state = await readAccountSessionState(chain.client, account, manager)
  const sessions = await Promise.all(files.map((file) => listSession(file, chain.client)))
  if (options.json) printJson({ chainId: chain.chainId, account, manager, ...state, sessions })
  else printLines([...accountLines(account, chain.chainId, manager, state), ...sessionsLines(sessions)])
}
