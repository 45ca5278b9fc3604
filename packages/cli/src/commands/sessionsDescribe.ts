import type { Command } from 'commander'
import { httpUrl } from '../support/optionParsers.ts'
import type { DescribeOptions } from '../sessions/describeGrant.ts'

/** `latchkey sessions describe --grant file [--rpc-url url] [--json]` */
export function addSessionsDescribeCommand(sessions: Command): void {
  sessions
    .command('describe')
    .description("What a granted session lets its key do, in words (WARNING lines name what is unbounded); with --rpc-url, where it stands on chain.")
    .requiredOption('--grant <file>', 'the grant JSON the owner handed out (serializeSessionGrant)')
    .option('--rpc-url <url>', 'read its state from this chain: active, pending, expired, revoked or not granted', httpUrl)
    .option('--json', 'one JSON object: digest, account, grant, description lines, warnings, onChain')
    // The work (and viem, the SDK) loads only when the command runs: see support/errors.ts.
    .action(async (options: DescribeOptions) => (await import('../sessions/describeGrant.ts')).describeGrant(options))
}
