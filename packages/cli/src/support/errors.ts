import { CommanderError } from 'commander'

/**
 * A mistake in what the user typed or gave (an option, a file, a key, an RPC that does not answer): the
 * CLI prints its message as one line and exits 2, without a stack trace, because the stack says nothing
 * the user can act on.
 */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Exit codes: 2 for usage errors (as most Unix tools), 1 when the work itself failed. */
const USAGE_EXIT = 2
const FAILURE_EXIT = 1

/**
 * The error's own words, before they are folded onto one line. The SDK's and viem's errors carry a
 * one-line summary plus the facts that explain it; their classes are imported only here, when such an
 * error has happened (the command that threw it has loaded them already), so that `--version` and
 * usage mistakes answer without loading viem (over a second on a small machine).
 */
async function messageOf(error: unknown): Promise<string> {
  // Commander prefixes its messages with "error: "; the CLI's prefix says who speaks instead.
  if (error instanceof CommanderError) return error.message.replace(/^error: /, '')
  if (error instanceof UsageError || !(error instanceof Error)) return error instanceof Error ? error.message : String(error)
  const [{ LatchkeyError }, { BaseError }] = await Promise.all([import('@latchkey/sdk'), import('viem')])
  // The SDK's facts name the rule, the account, the bundler's status: keep them.
  if (error instanceof LatchkeyError) return [error.shortMessage, ...(error.metaMessages ?? []), error.details].filter(Boolean).join('; ')
  // viem's facts are the request (URL, body, arguments): too long for one line, and the summary says what failed.
  if (error instanceof BaseError) return [error.shortMessage, error.details].filter(Boolean).join(': ')
  return error.message
}

/**
 * `latchkey: <message>` on one line (a multi-line message is joined, so stderr holds exactly one line),
 * with what was being done first when `doing` says it (`latchkey: demo failed: …`).
 */
export async function failureLine(error: unknown, doing?: string): Promise<string> {
  const words = (await messageOf(error))
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
  return `latchkey: ${doing ? `${doing}: ` : ''}${words || 'failed (no message)'}`
}

/** Whether stack traces are wanted (LATCHKEY_DEBUG=1): for bug reports, never by default. */
function debugging(): boolean {
  const flag = process.env.LATCHKEY_DEBUG
  return flag !== undefined && flag !== '' && flag !== '0'
}

/**
 * The one place that turns a failure into output and an exit code: help and --version (commander's
 * "errors" with exit code 0) exit 0 silently, everything else prints {@link failureLine}.
 */
export async function reportFailure(error: unknown): Promise<number> {
  if (error instanceof CommanderError && error.exitCode === 0) return 0
  process.stderr.write(`${await failureLine(error)}\n`)
  if (debugging() && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`)
  return error instanceof UsageError || error instanceof CommanderError ? USAGE_EXIT : FAILURE_EXIT
}
