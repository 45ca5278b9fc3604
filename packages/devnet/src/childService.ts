import { spawn, type ChildProcess } from 'node:child_process'
import { ServiceStartError } from './errors.ts'

/** How much of a child's recent output is kept for error messages. */
const OUTPUT_TAIL = 4_000

/**
 * Children still running. If this process exits without stopping them (an uncaught error, `process.exit`),
 * they are killed on the way out, so no anvil or Alto outlives its parent.
 */
const running = new Set<ChildProcess>()
let exitHookInstalled = false
function killRunningOnExit() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL')
  })
}

export type ChildServiceOptions = {
  /** Name used in logs and errors, e.g. "anvil". */
  name: string
  command: string
  args: string[]
  /** Resolves once the service answers; called repeatedly until `readyTimeoutMs`. */
  isReady: () => Promise<boolean>
  readyTimeoutMs?: number
  env?: NodeJS.ProcessEnv
}

/**
 * A long-running child process (anvil, Alto) started in the caller's process group, with its output kept
 * for diagnostics. {@link ChildService.stop} sends SIGTERM, then SIGKILL after a grace period, and resolves
 * only once the process has exited.
 */
export class ChildService {
  private exited: Promise<void>
  private outputTail = ''
  private exitCode: number | null | undefined

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.outputTail = (this.outputTail + chunk.toString('utf8')).slice(-OUTPUT_TAIL)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null)
        resolve()
      })
    })
  }

  get pid(): number {
    return this.child.pid ?? -1
  }

  get output(): string {
    return this.outputTail
  }

  static async start(options: ChildServiceOptions): Promise<ChildService> {
    const child = spawn(options.command, options.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    })
    const service = new ChildService(options.name, child)
    running.add(child)
    child.once('exit', () => running.delete(child))
    killRunningOnExit()
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000)
    for (;;) {
      const failure = await Promise.race([
        spawnError.then((e) => e.message),
        service.exited.then(() => `exited with code ${service.exitCode}`),
        options.isReady().then(
          (ready) => (ready ? null : undefined),
          () => undefined,
        ),
      ])
      if (failure === null) {
        // Something answered; make sure it is still our child (not a server that took the port first).
        await new Promise((r) => setTimeout(r, 50))
        if (service.exitCode === undefined) return service
        throw new ServiceStartError(options.name, `exited with code ${service.exitCode} right after the port answered (port taken?)`, service.output)
      }
      if (typeof failure === 'string') throw new ServiceStartError(options.name, failure, service.output)
      if (Date.now() > deadline) {
        await service.stop()
        throw new ServiceStartError(options.name, `not ready after ${options.readyTimeoutMs ?? 30_000} ms`, service.output)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitCode !== undefined) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }
}
