import type { Command } from 'commander'
import { httpUrl, keyVariableName } from '../support/optionParsers.ts'
import type { JobsOptions } from '../automation/jobCommands.ts'
import { AUTOMATION_PORT } from './automationStart.ts'

/** The options every `jobs` command takes: which runner, and the client credential that signs for it. */
function withRunner(command: Command): Command {
  return command
    .option('--url <url>', `the runner's API (default: LATCHKEY_AUTOMATION_URL, else http://127.0.0.1:${AUTOMATION_PORT})`, httpUrl)
    .requiredOption('--client-key-env <name>', 'the NAME of an environment variable holding your client credential (a private key; never the key itself)', keyVariableName('--client-key-env'))
    .option('--runner-key <hex>', "the runner's key (its started line shows it): keys are sealed only to it (default: LATCHKEY_AUTOMATION_RUNNER_KEY, else trusted on first use, with a WARNING line)")
    .option('--json', 'answer in JSON')
}

// The work (viem, the client) loads only when a command runs: see support/errors.ts.
const load = () => import('../automation/jobCommands.ts')

/** `latchkey jobs add | list | show | pause | resume | cancel`: a runner's jobs, through its API. */
export function addJobsCommands(jobs: Command): void {
  withRunner(jobs.command('add').description('Add a job: its spec file, and the grant file of its session (with the session key, sealed to the runner before it is sent).'))
    .requiredOption('--spec <file>', 'the job spec (JSON: kind, everySeconds or cron, action, …; its grant may be left out when --grant is given)')
    .option('--grant <file>', "the session's grant file (serializeSessionGrant with its privateKey); default: the spec's own grant")
    .option('--session-key-env <name>', 'the NAME of an environment variable holding the session key, when the grant file has none', keyVariableName('--session-key-env'))
    .option('--signer-client-key-env <name>', 'for a job signed by a signer network (its spec has a signer): the NAME of an environment variable holding the client credential the nodes registered', keyVariableName('--signer-client-key-env'))
    .option('--id <id>', 'the job id (default: a random one)')
    .action(async (options: JobsOptions) => (await load()).addJob(options))
  withRunner(jobs.command('list').description('Your jobs on the runner: status, reason, action, next slot.')).action(async (options: JobsOptions) => (await load()).listJobs(options))
  withRunner(jobs.command('show').description('One job: its spec, runs (userOp hash, transaction, gas, result) and history.').argument('<id>')).action(async (id: string, options: JobsOptions) =>
    (await load()).showJob(id, options),
  )
  for (const change of ['pause', 'resume', 'cancel'] as const) {
    const command = jobs.command(change).description(`${change[0]!.toUpperCase()}${change.slice(1)} one of your jobs.`).argument('<id>')
    if (change === 'pause') command.option('--reason <text>', 'why (kept in its history)')
    withRunner(command).action(async (id: string, options: JobsOptions) => (await load()).changeJob(change, id, options))
  }
}
