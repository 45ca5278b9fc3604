import type { Command } from 'commander'
import { port } from '../support/optionParsers.ts'
import { stopRequested } from './devnet.ts'

export type WalletCommandOptions = { walletPort?: number; dappPort?: number }

/**
 * Starts a devnet and serves the wallet and dApp pages next to it until it is asked to stop; logs go to
 * stderr, the two URLs to stdout.
 */
export async function runWalletCommand(options: WalletCommandOptions): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`)
  const signalled = stopRequested()
  // Loaded here, not at the top: `latchkey --version` and usage mistakes need none of it.
  const { startDevnet } = await import('@latchkey/devnet')
  const { startPageServer } = await import('../web/pageServer.ts')
  const devnet = await startDevnet({ onProgress: log })
  try {
    const pages = await startPageServer({ devnet, walletPort: options.walletPort, dappPort: options.dappPort })
    process.stdout.write(`wallet page  ${pages.walletUrl}\ndApp page    ${pages.dappUrl}\n`)
    log('Ctrl-C stops the pages and the devnet')
    log(`${await signalled}: stopping`)
    await pages.stop()
  } finally {
    await devnet.stop()
  }
  return 0
}

/** `latchkey wallet [--wallet-port n] [--dapp-port n]` */
export function addWalletCommand(program: Command): void {
  program
    .command('wallet')
    .description('Run a devnet with the wallet page (consent, sessions, what is left, revoke) and a demo dApp page on 127.0.0.1 until Ctrl-C.')
    .option('--wallet-port <port>', 'port of the wallet page (default: a free port)', port)
    .option('--dapp-port <port>', 'port of the dApp page (default: a free port)', port)
    .action(async (options: WalletCommandOptions) => {
      process.exitCode = await runWalletCommand(options)
    })
}
