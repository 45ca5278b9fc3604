import type { Command } from 'commander'

/** `latchkey demo` (and `npm start`). */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start a devnet and walk through the owner path, sessions, policies, batches, a signer network and ERC-7715 permissions; stop.')
    .option('--serve', 'keep the wallet and dApp pages (and the devnet) up at the end, until Ctrl-C')
    .action(async (options: { serve?: boolean }) => {
      // Loaded when the demo runs: `latchkey --version` and usage mistakes need none of it (see support/errors.ts).
      const { runDemo } = await import('../demo/runDemo.ts')
      process.exitCode = await runDemo({ serve: options.serve })
    })
}
