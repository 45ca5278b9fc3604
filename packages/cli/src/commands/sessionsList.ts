import type { Command } from 'commander'
import { address, httpUrl } from '../support/optionParsers.ts'
import type { ListOptions } from '../sessions/listSessions.ts'

/** `latchkey sessions list --rpc-url url (--account address | --grant files...) [--manager address] [--json]` */
export function addSessionsListCommand(sessions: Command): void {
  sessions
    .command('list')
    .description("An account's sessions on chain: the manager's state for the account (installed, root, revoke-all epoch) and each given grant's status.")
    .requiredOption('--rpc-url <url>', 'the chain to read', httpUrl)
    .option('--account <address>', 'the account (default: the one the grant files name)', address)
    .option('--grant <files...>', "grant JSON files of the account's sessions (serializeSessionGrant)")
    .option('--manager <address>', "the session manager (default: the grant files', else Latchkey's deployment)", address)
    .option('--json', 'one JSON object: the account state and each session with its state')
    // The work (and viem, the SDK) loads only when the command runs: see support/errors.ts.
    .action(async (options: ListOptions) => (await import('../sessions/listSessions.ts')).listSessions(options))
}
