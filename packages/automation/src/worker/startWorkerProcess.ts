import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { AutomationTestFault } from '../runs/executeRun.ts'

/** One automation worker process. */
export type WorkerProcess = {
  process: ChildProcess
  /** Resolves when the process exits, with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM (it finishes its passes and closes its store), then waits for the exit. */
  stop(): Promise<void>
}

export type WorkerProcessOptions = {
  dataDir: string
  rpcUrl: string
  bundlerUrl: string
  databaseUrl?: string | undefined
  concurrency?: number | undefined
  pollMs?: number | undefined
  /** Tests only: the worker SIGKILLs itself at this point. */
  testFault?: AutomationTestFault | undefined
}

/**
 * The worker's entry beside this module: `automationMain.js` once built; `automationMain.ts` in the workspace,
 * run through tsx with the `latchkey-source` condition so that its own imports resolve to sources too.
 */
const fromSource = import.meta.filename.endsWith('.ts')
const entry = join(import.meta.dirname, '..', fromSource ? 'automationMain.ts' : 'automationMain.js')
const sourceFlags = fromSource ? ['--import', 'tsx', '--conditions=latchkey-source'] : []

/** Starts one worker process and resolves once it says it started. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const flags = [
    '--data-dir', options.dataDir, '--rpc-url', options.rpcUrl, '--bundler-url', options.bundlerUrl, '--poll-ms', String(options.pollMs ?? 500),
    ...(options.databaseUrl ? ['--database-url', options.databaseUrl] : []),
    ...(options.concurrency ? ['--concurrency', String(options.concurrency)] : []),
  ]
  const child = spawn(process.execPath, [...sourceFlags, entry, ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(options.testFault ? { LATCHKEY_AUTOMATION_TEST_FAULT: options.testFault, LATCHKEY_AUTOMATION_ALLOW_TEST_FAULTS: '1' } : {}) },
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not start within 30 s')), 30_000)
    void exited.then(({ code, signal }) => reject(new Error(`the worker exited (${code ?? signal}) before it started`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"event":"started"')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return {
    process: child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
