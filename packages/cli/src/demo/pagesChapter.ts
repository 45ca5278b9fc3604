import { startPageServer } from '../web/pageServer.ts'
import { stopRequested } from '../commands/devnet.ts'
import type { DemoContext } from './runDemo.ts'

/**
 * The last chapter: the wallet and dApp pages, served next to the demo's devnet. With `serve` they stay up
 * until Ctrl-C (open the dApp, ask for a session, play); otherwise the demo says where they were and ends.
 */
export async function pagesChapter({ devnet, report }: DemoContext, serve: boolean): Promise<void> {
  const pages = await report.step('serving the wallet and dApp pages on 127.0.0.1', () => startPageServer({ devnet }))
  report.detail(`wallet page  ${pages.walletUrl}`)
  report.detail(`dApp page    ${pages.dappUrl}   (a game: ask the wallet once, then move without pop-ups)`)
  try {
    if (!serve) {
      report.detail('run `npm start -- --serve` (or `latchkey demo --serve`) to keep them up and play in a browser')
      return
    }
    report.detail('open the dApp page in a browser; Ctrl-C stops the pages and the devnet')
    const reason = await stopRequested()
    report.detail(`${reason}: stopping`)
  } finally {
    await pages.stop()
  }
}
