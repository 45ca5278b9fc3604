import { addAutomationStartCommand } from './commands/automationStart.ts'
import { addDemoCommand } from './commands/demo.ts'
import { addDevnetCommand } from './commands/devnet.ts'
import { addJobsCommands } from './commands/jobs.ts'
import { addNetworkUpCommand } from './commands/networkUp.ts'
import { addNodeStartCommand } from './commands/nodeStart.ts'
import { addSessionsDescribeCommand } from './commands/sessionsDescribe.ts'
import { addSessionsListCommand } from './commands/sessionsList.ts'
import { addSessionsRevokeCommand } from './commands/sessionsRevoke.ts'
import { addWalletCommand } from './commands/wallet.ts'
import { CliCommand } from './support/cliCommand.ts'
import { reportFailure } from './support/errors.ts'
import { cliVersion } from './support/version.ts'

/** The `latchkey` program: every command, each defined in its own file under commands/. */
function buildProgram(): CliCommand {
  const program = new CliCommand()
    .name('latchkey')
    .description('Session keys for ERC-4337 smart accounts: local devnet, demo, signer nodes, sessions, automation.')
    .version(cliVersion(), '-V, --version', "print the CLI's version")
    // Commander's errors are thrown, not printed: main reports every failure the same way, on one line.
    .exitOverride()
    .configureOutput({ outputError: () => {} })
  addDevnetCommand(program)
  addNodeStartCommand(program.command('node').description('A Latchkey signer node (one party of a FROST threshold group).'))
  addNetworkUpCommand(program.command('network').description('A local signer network on loopback, for development and the demo.'))
  const sessions = program.command('sessions').description("An account's sessions: list, describe, revoke.")
  addSessionsListCommand(sessions)
  addSessionsDescribeCommand(sessions)
  addSessionsRevokeCommand(sessions)
  addAutomationStartCommand(program.command('automation').description('An automation runner: jobs sent under session keys, each run exactly once.'))
  addJobsCommands(program.command('jobs').description("A runner's jobs, through its API: add, list, show, pause, resume, cancel."))
  addWalletCommand(program)
  addDemoCommand(program)
  return program
}

/**
 * Ends the process after a failure once the error line is written: a failure may leave work behind that
 * would keep Node running (a node process half started, an open socket), and a failed command must end.
 */
async function exitAfterFailure(error: unknown): Promise<void> {
  const code = await reportFailure(error)
  if (code === 0) return
  process.exitCode = code
  process.stderr.write('', () => process.exit(code))
}

// Errors that escape an action's promise (a signal handler's, a stray callback's) get the same one line.
process.on('uncaughtException', (error) => void exitAfterFailure(error))
process.on('unhandledRejection', (error) => void exitAfterFailure(error))

try {
  await buildProgram().parseAsync()
} catch (error) {
  await exitAfterFailure(error)
}
