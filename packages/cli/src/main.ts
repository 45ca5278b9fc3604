import { Command, InvalidArgumentError } from 'commander'
import { runDevnetCommand } from './commands/devnet.ts'
import { runDemo } from './demo/runDemo.ts'

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError(`"${value}" is not a TCP port (1–65535)`)
  return n
}

const program = new Command()
  .name('latchkey')
  .description('Session keys for ERC-4337 smart accounts: local devnet and demo.')
  .showHelpAfterError()

program
  .command('devnet')
  .description('Run anvil + EntryPoint v0.7 + Latchkey contracts + Alto bundler on 127.0.0.1 until Ctrl-C.')
  .option('--json', 'print one JSON object (chainId, rpcUrl, bundlerUrl, entryPoint, contracts, testKeys)')
  .option('--anvil-port <port>', 'anvil port (default: a free port)', port)
  .option('--bundler-port <port>', 'bundler port (default: a free port)', port)
  .action(async (options: { json?: boolean; anvilPort?: number; bundlerPort?: number }) => {
    process.exitCode = await runDevnetCommand(options)
  })

program
  .command('demo')
  .description('Start a devnet, deploy an account with its first userOp, send an ERC-20 and ETH, stop.')
  .action(async () => {
    process.exitCode = await runDemo()
  })

await program.parseAsync()
