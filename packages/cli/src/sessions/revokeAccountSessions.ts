import type { Address, Hex } from 'viem'
import { revokeSessions } from '@latchkey/sdk'
import { UsageError } from '../support/errors.ts'
import { printJson, printLines } from '../support/output.ts'
import { assertManagerDeployed } from './accountSessions.ts'
import { connectBundler, connectChain, type ChainConnection } from './chain.ts'
import { accountOfGrants, assertGrantChain, managerOfGrants, readGrantFiles, type GrantFile } from './grantFiles.ts'
import { ownerKeyFromEnv, ownerLatchkeyAccount } from './ownerAccount.ts'
import { readSessionOnChain } from './sessionOnChain.ts'

export type RevokeOptions = {
  grant?: string[]
  digest?: Hex[]
  all?: boolean
  account?: Address
  manager?: Address
  ownerKeyEnv: string
  factory: Address
  salt?: bigint | Hex
  rpcUrl: string
  bundlerUrl: string
  json?: boolean
}

/** What to revoke: the digests of the grant files and --digest, or everything (--all). */
function revocationTarget(options: RevokeOptions, files: readonly GrantFile[]): readonly Hex[] | 'all' {
  const digests = [...files.map((f) => f.grant.digest), ...(options.digest ?? [])]
  if (options.all && options.digest) throw new UsageError('--all revokes every session: give it without --digest')
  if (options.all) return 'all'
  if (digests.length === 0) throw new UsageError('say what to revoke: --grant files, --digest values, or --all')
  return [...new Set(digests.map((d) => d.toLowerCase() as Hex))]
}

/** The status of each grant file after the revocation: what the user came to see change. */
async function statusesAfter(chain: ChainConnection, files: readonly GrantFile[]) {
  return Promise.all(files.map(async (f) => ({ file: f.path, digest: f.grant.digest, status: (await readSessionOnChain(chain.client, f.grant)).status })))
}

/**
 * Everything the revocation needs, checked in order: what the user typed before the chain is asked
 * anything, the chain and the bundler before the owner key signs anything.
 */
async function prepareRevocation(options: RevokeOptions) {
  const files = readGrantFiles(options.grant ?? [])
  const sessions = revocationTarget(options, files)
  const account = accountOfGrants(files, options.account)
  const manager = managerOfGrants(files, options.manager)
  const owner = ownerKeyFromEnv(options.ownerKeyEnv)
  const chain = await connectChain(options.rpcUrl)
  files.forEach((file) => assertGrantChain(file, chain.chainId))
  await assertManagerDeployed(chain.client, manager)
  const bundler = await connectBundler(chain, options.bundlerUrl)
  const ownerAccount = await ownerLatchkeyAccount({ chain, owner, factory: options.factory, salt: options.salt ?? 0n, expected: account, keyVariable: options.ownerKeyEnv })
  return { files, sessions, account, manager, chain, bundler, ownerAccount }
}

function revocationLines(account: Address, sessions: readonly Hex[] | 'all', userOpHash: Hex, transactionHash: Hex, after: Awaited<ReturnType<typeof statusesAfter>>): string[] {
  return [
    sessions === 'all'
      ? `revoked every session of ${account}: the root is cleared and approvals not yet used are void`
      : `revoked ${sessions.length} session${sessions.length === 1 ? '' : 's'} of ${account}`,
    `userOp      ${userOpHash}`,
    `transaction ${transactionHash}`,
    ...after.map((s) => `  ${s.status.padEnd(11)} ${s.digest}  (${s.file})`),
  ]
}

/** `latchkey sessions revoke`: one owner userOp through the SDK's revokeSessions, then each grant file's status. */
export async function revokeAccountSessions(options: RevokeOptions): Promise<void> {
  const { files, sessions, account, manager, chain, bundler, ownerAccount } = await prepareRevocation(options)
  const { userOpHash, receipt } = await revokeSessions(bundler, { account: ownerAccount, manager, sessions, chainClient: chain.client })
  const after = await statusesAfter(chain, files)
  if (options.json) printJson({ account, manager, revoked: sessions, userOpHash, transactionHash: receipt.transactionHash, sessions: after })
  else printLines(revocationLines(account, sessions, userOpHash, receipt.transactionHash, after))
}
