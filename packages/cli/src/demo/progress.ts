/**
 * Step-by-step progress for the demo: on a terminal a spinner runs while a step waits, elsewhere (CI,
 * pipes) one line is printed when each step starts and ends.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export type Reporter = {
  /** Runs `work`, showing `title` while it runs and ✓/✗ with the elapsed time after. */
  step<T>(title: string, work: () => Promise<T>): Promise<T>
  /** A detail line under the current step. */
  detail(line: string): void
}

export function createReporter(out: NodeJS.WriteStream = process.stdout): Reporter {
  const tty = out.isTTY === true
  return {
    async step(title, work) {
      const started = Date.now()
      let frame = 0
      const timer = tty
        ? setInterval(() => out.write(`\r${FRAMES[frame++ % FRAMES.length]} ${title}`), 80)
        : undefined
      if (!tty) out.write(`… ${title}\n`)
      const seconds = () => ((Date.now() - started) / 1000).toFixed(1)
      try {
        const result = await work()
        if (timer) clearInterval(timer)
        out.write(`${tty ? '\r' : ''}✓ ${title} (${seconds()} s)\n`)
        return result
      } catch (error) {
        if (timer) clearInterval(timer)
        out.write(`${tty ? '\r' : ''}✗ ${title} (${seconds()} s)\n`)
        throw error
      }
    },
    detail(line) {
      out.write(`    ${line}\n`)
    },
  }
}
