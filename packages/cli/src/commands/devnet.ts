import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { Devnet } from '@latchkey/devnet'
import { port, positiveBytes } from '../support/optionParsers.ts'

export type DevnetCommandOptions = { json?: boolean; anvilPort?: number; bundlerPort?: number; codeSizeLimit?: number }

/** What `latchkey devnet` prints: the same fields in JSON and for people. */
export function describeDevnet(devnet: Devnet) {
  return {
    chainId: devnet.chainId,
    rpcUrl: devnet.rpcUrl,
    bundlerUrl: devnet.bundlerUrl,
    entryPoint: devnet.entryPoint,
    contracts: devnet.contracts,
    testKeys: devnet.testKeys,
    pids: devnet.pids,
  }
}

/** How often the command checks that the processes that started it are still there. */
const PARENT_CHECK_MS = 500

/**
 * Resolves with the reason to stop: SIGINT, SIGTERM or SIGHUP to this process, or the process that started
 * it exiting. That launcher is the parent, or the grandparent when the parent is the shell a package runner
 * puts in between (`npx latchkey devnet` and `npm run devnet` run `sh -c latchkey …`): a runner killed alone
 * (SIGKILL, or a SIGHUP it does not pass on) leaves that shell waiting, so both are watched.
 */
export function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve(signal))
    const parent = process.ppid
    const grandparent = parentOf(parent)
    const timer = setInterval(() => {
      const gone = process.ppid !== parent ? parent : grandparent !== undefined && !isAlive(grandparent) ? grandparent : undefined
      if (gone === undefined) return
      clearInterval(timer)
      resolve(`the process that started it (${gone}) exited`)
    }, PARENT_CHECK_MS)
    timer.unref()
  })
}

/** The parent of process `pid`, from /proc (Linux); undefined elsewhere, or for init. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: `pid (comm) state ppid …`; comm may hold spaces or parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Runs the devnet until it is asked to stop ({@link stopRequested}), then stops anvil and Alto and returns
 * the exit code. Logs go to stderr; stdout carries only the description (one JSON object with `--json`).
 */
export async function runDevnetCommand(options: DevnetCommandOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`)
  // Listen before starting: a signal during start-up stops the devnet as soon as it is up.
  const signalled = stopRequested()
  // Loaded here, not at the top: `latchkey --version` and usage mistakes need none of it (see support/errors.ts).
  const { startDevnet } = await import('@latchkey/devnet')
  // A start-up failure (a port in use, anvil missing) propagates to the CLI's one-line error report.
  const devnet = await startDevnet({
    ...(options.anvilPort === undefined ? {} : { anvilPort: options.anvilPort }),
    ...(options.bundlerPort === undefined ? {} : { bundlerPort: options.bundlerPort }),
    ...(options.codeSizeLimit === undefined ? {} : { codeSizeLimit: options.codeSizeLimit }),
    onProgress: log,
  })
  const description = describeDevnet(devnet)
  if (options.json) {
    process.stdout.write(`${JSON.stringify(description)}\n`)
  } else {
    const lines = [
      '',
      'Latchkey devnet is running (Ctrl-C to stop)',
      `  chain id     ${description.chainId}`,
      `  rpc          ${description.rpcUrl}`,
      `  bundler      ${description.bundlerUrl}`,
      `  entry point  ${description.entryPoint}`,
      '  contracts',
      ...Object.entries(description.contracts).map(([name, address]) => `    ${name.padEnd(22)} ${address}`),
      '  funded test keys (devnet only, never use elsewhere)',
      ...description.testKeys.map((k) => `    ${k.address}  ${k.privateKey}`),
      '',
    ]
    process.stdout.write(lines.join('\n'))
  }
  const signal = await signalled
  log(`${signal}: stopping the bundler and anvil`)
  await devnet.stop()
  log('stopped')
  return 0
}

/** `latchkey devnet [--json] [--anvil-port n] [--bundler-port n] [--code-size-limit bytes]` */
export function addDevnetCommand(program: Command): void {
  program
    .command('devnet')
    .description('Run anvil + EntryPoint v0.7 + Latchkey contracts + Alto bundler on 127.0.0.1 until Ctrl-C.')
    .option('--json', 'print one JSON object (chainId, rpcUrl, bundlerUrl, entryPoint, contracts, testKeys)')
    .option('--anvil-port <port>', 'anvil port (default: a free port)', port)
    .option('--bundler-port <port>', 'bundler port (default: a free port)', port)
    .option('--code-size-limit <bytes>', "anvil's EIP-170 code-size limit (default: 24576, as on mainnet)", positiveBytes)
    .action(async (options: DevnetCommandOptions) => {
      process.exitCode = await runDevnetCommand(options)
    })
}
