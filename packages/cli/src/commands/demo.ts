import type { Command } from 'commander'

/** `latchkey demo` (and `npm start`). */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start a devnet and walk through the owner path, sessions, policies, batches and a signer network; stop.')
    .action(async () => {
      // Loaded when the demo runs: `latchkey --version` and usage mistakes need none of it (see support/errors.ts).
      const { runDemo } = await import('../demo/runDemo.ts')
      process.exitCode = await runDemo()
    })
}
