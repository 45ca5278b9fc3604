import type { Command } from 'commander'
import type { Hex } from 'viem'
import { address, digest, httpUrl, keyVariableName, salt } from '../support/optionParsers.ts'
import type { RevokeOptions } from '../sessions/revokeAccountSessions.ts'

/**
 * `latchkey sessions revoke (--grant files... | --digest digests... | --all) --owner-key-env VAR --factory
 * address --rpc-url url --bundler-url url`: one owner userOp through the SDK's revokeSessions.
 */
export function addSessionsRevokeCommand(sessions: Command): void {
  sessions
    .command('revoke')
    .description('Revoke sessions of a LatchkeyAccount in one userOp signed by its owner.')
    .option('--grant <files...>', 'revoke the sessions of these grant files')
    .option('--digest <digests...>', 'revoke these session digests (give --account too when no grant file names it)', (value: string, previous: Hex[] | undefined) => [...(previous ?? []), digest(value)])
    .option('--all', 'revoke every session of the account and void every approval not yet used (revokeAllSessions)')
    .option('--account <address>', 'the account (default: the one the grant files name)', address)
    .option('--manager <address>', "the session manager (default: the grant files', else Latchkey's deployment)", address)
    .requiredOption('--owner-key-env <name>', "the NAME of an environment variable holding the owner's private key (never the key itself)", keyVariableName('--owner-key-env'))
    .requiredOption('--factory <address>', 'the LatchkeyAccountFactory that made the account (with the owner and salt, it fixes the address)', address)
    .option('--salt <salt>', 'the account salt given to the factory (default: 0)', salt)
    .requiredOption('--rpc-url <url>', 'the chain', httpUrl)
    .requiredOption('--bundler-url <url>', 'an ERC-4337 bundler for EntryPoint v0.7 on that chain', httpUrl)
    .option('--json', 'one JSON object: what was revoked, the userOp and transaction hashes, and each grant file\'s status after')
    // The work (and viem, the SDK) loads only when the command runs: see support/errors.ts.
    .action(async (options: RevokeOptions) => (await import('../sessions/revokeAccountSessions.ts')).revokeAccountSessions(options))
}
