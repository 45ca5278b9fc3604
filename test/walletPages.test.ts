/**
 * The wallet and the dApp pages in a real headless Chromium, against the devnet and Alto: the game asks once
 * (the wallet's consent screen, in a popup), plays 5 moves with no further prompt, the wallet shows what is
 * left, the owner revokes, and the next move is refused with the reason; a periodic ERC-20 permission is
 * asked for, approved with a lower amount, used, and shown with what is left in the current period.
 * Screenshots of every open page go to test-results/ when a test fails.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { erc20Abi, parseUnits, type Address } from 'viem'
import { demoGameAbi } from '@latchkey/contracts'
import { startPageServer, type PageServer } from '../packages/cli/src/web/pageServer.ts'
import { launchChromium } from './fixtures/chromium.ts'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

const RESULTS = join(import.meta.dirname, '..', 'test-results')
/** Reads the dApp page's session key from its IndexedDB (packages/cli/pages/common/pageStorage.ts's layout). */
const SESSION_KEY_IN_INDEXEDDB = `new Promise((resolve, reject) => {
  const open = indexedDB.open('latchkey', 1)
  open.onerror = () => reject(open.error)
  open.onsuccess = () => {
    const get = open.result.transaction('values').objectStore('values').get('session-key')
    get.onsuccess = () => resolve(get.result)
    get.onerror = () => reject(get.error)
  }
})`
/** Where the subscription pays (the dApp page's merchant). */
const MERCHANT: Address = '0x000000000000000000000000000000000000c0de'

let devnet: DevnetFixture
let server: PageServer
before(async () => {
  devnet = await useDevnet()
  server = await startPageServer({ devnet })
})
after(async () => {
  await server?.stop()
})

/** Runs `body` with a fresh browser context; on failure, writes a screenshot of each of its pages. */
async function inBrowser(t: { name: string; skip: (message: string) => void }, body: (context: BrowserContext, popups: Page[]) => Promise<void>) {
  const browser: Browser | undefined = await launchChromium(t)
  if (!browser) return
  const context = await browser.newContext()
  const popups: Page[] = []
  context.on('page', (page) => popups.push(page))
  try {
    await body(context, popups)
  } catch (error) {
    mkdirSync(RESULTS, { recursive: true })
    const slug = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)
    for (const [i, page] of context.pages().entries()) {
      if (!page.isClosed()) await page.screenshot({ path: join(RESULTS, `${slug}-${i}.png`), fullPage: true }).catch(() => undefined)
    }
    throw error
  } finally {
    await browser.close()
  }
}

/** The wallet page, open on its own, with its account funded (its address read from the page). */
async function openWallet(context: BrowserContext): Promise<{ wallet: Page; account: Address }> {
  const wallet = await context.newPage()
  await wallet.goto(server.walletUrl)
  await wallet.locator('#account[data-address]').waitFor({ timeout: 30_000 })
  return { wallet, account: (await wallet.locator('#account').getAttribute('data-address')) as Address }
}

/** Clicks `button` on the dApp and answers the wallet popup it opens with `answer`. */
async function approveInPopup(dapp: Page, button: string, answer: (popup: Page) => Promise<void>): Promise<Page> {
  const [popup] = await Promise.all([dapp.waitForEvent('popup'), dapp.getByRole('button', { name: button }).click()])
  await popup.getByRole('button', { name: 'Approve' }).waitFor({ timeout: 30_000 })
  await answer(popup)
  await popup.waitForEvent('close', { timeout: 30_000 })
  return popup
}

describe('wallet and dApp pages in Chromium', { timeout: 300_000 }, () => {
  it('the game asks once, plays 5 moves without prompts; the wallet shows 15 left, revokes, and the next move is refused', async (t) => {
    await inBrowser(t, async (context, pages) => {
      const bodies: string[] = []
      context.on('request', (request) => bodies.push(`${request.url()} ${request.postData() ?? ''}`))
      const { wallet, account } = await openWallet(context)
      const dapp = await context.newPage()
      await dapp.goto(server.dappUrl)
      await dapp.getByText('No session yet').waitFor()

      await approveInPopup(dapp, 'Ask the wallet for a game session', async (popup) => {
        const consent = popup.getByRole('list', { name: 'What the session may do' })
        await assert.doesNotReject(consent.getByText(/DemoGame .*: move\(uint8 x, uint8 y\), no ETH/).waitFor())
        await consent.getByText('at most 20 calls in total').waitFor()
        await popup.getByText('“Play up to 20 moves without a confirmation each time”').waitFor()
        assert.match((await popup.locator('.lead').textContent()) ?? '', new RegExp(`${new URL(server.dappUrl).origin} asks for a latchkey-session permission`))
        await popup.getByRole('button', { name: 'Approve' }).click()
      })
      await dapp.getByText('Session granted').waitFor({ timeout: 60_000 })

      const pagesBefore = pages.length
      for (let i = 0; i < 5; i++) {
        await dapp.getByRole('gridcell', { name: `Move to ${i}, ${7 - i}` }).click()
        await dapp.locator('#moves li').nth(i).waitFor({ timeout: 60_000 })
      }
      assert.equal(pages.length, pagesBefore, 'no wallet window opened during the moves')
      assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'movesOf', args: [account] }), 5n)

      await wallet.getByRole('button', { name: 'Refresh' }).click()
      await wallet.getByText('15 of 20 calls left').waitFor({ timeout: 30_000 })
      await wallet.getByRole('button', { name: /Revoke permission 1/ }).click()
      await wallet.getByRole('heading', { name: '1. latchkey-session — revoked' }).waitFor({ timeout: 60_000 })
      await wallet.getByText(/^0 of 1 session usable/).waitFor()

      await dapp.getByRole('gridcell', { name: 'Move to 7, 7' }).click()
      await dapp.getByRole('alert').getByText(/Move refused: .*revoked/).waitFor({ timeout: 30_000 })
      assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'movesOf', args: [account] }), 5n)

      // The session key stayed in the dApp's IndexedDB: no request of any page carried it.
      const key = (await dapp.evaluate(SESSION_KEY_IN_INDEXEDDB)) as string
      assert.match(key, /^0x[0-9a-f]{64}$/)
      assert.ok(bodies.length > 10, `${bodies.length} requests seen`)
      assert.deepEqual(bodies.filter((body) => body.toLowerCase().includes(key.slice(2).toLowerCase())), [])
      assert.equal((await dapp.evaluate('JSON.stringify(localStorage)')) as string, '{}')
    })
  })

  it('a periodic LKUSD permission is approved with a lower amount, used, and shown with what is left this period', async (t) => {
    await inBrowser(t, async (context) => {
      const { wallet } = await openWallet(context)
      const dapp = await context.newPage()
      await dapp.goto(server.dappUrl)
      const merchantBefore = await devnet.publicClient.readContract({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'balanceOf', args: [MERCHANT] })
      await approveInPopup(dapp, 'Subscribe: up to 100 LKUSD per hour', async (popup) => {
        await popup.getByText('“A subscription: at most 100 LKUSD per hour”').waitFor()
        const amount = popup.getByLabel(/Amount per period/)
        assert.equal(await amount.inputValue(), '100')
        await amount.fill('150')
        await popup.getByRole('button', { name: 'Approve' }).click()
        await popup.getByRole('alert').getByText(/periodAmount: must be from 0 to the requested/).waitFor()
        await amount.fill('60')
        await popup.getByRole('button', { name: 'Approve' }).click()
      })
      await dapp.getByText('Subscribed: the wallet granted 60 LKUSD per hour.').waitFor({ timeout: 60_000 })
      await dapp.getByRole('button', { name: 'Pay 10 LKUSD' }).click()
      await dapp.getByText(/Paid 10 LKUSD/).waitFor({ timeout: 60_000 })
      const merchantAfter = await devnet.publicClient.readContract({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'balanceOf', args: [MERCHANT] })
      assert.equal(merchantAfter - merchantBefore, parseUnits('10', 6))

      await wallet.getByRole('button', { name: 'Refresh' }).click()
      const left = wallet.getByText(/^50 LKUSD of 60 LKUSD left this period \(until \d{4}-\d\d-\d\d \d\d:59:59Z\)$/)
      await left.waitFor({ timeout: 30_000 })

      await wallet.getByRole('button', { name: 'Revoke all' }).click()
      await wallet.getByRole('heading', { name: '1. erc20-token-periodic — revoked (all)' }).waitFor({ timeout: 60_000 })
      await dapp.getByRole('button', { name: 'Pay 10 LKUSD' }).click()
      await dapp.getByText(/Payment refused: .*not granted/).waitFor({ timeout: 30_000 })
    })
  })

  it('fits a phone-sized screen and is usable from the keyboard', async (t) => {
    await inBrowser(t, async (context) => {
      const { wallet } = await openWallet(context)
      await wallet.setViewportSize({ width: 375, height: 740 })
      const dapp = await context.newPage()
      await dapp.setViewportSize({ width: 375, height: 740 })
      await dapp.goto(server.dappUrl)
      await dapp.getByText(/No session yet|Session granted/).waitFor()
      for (const page of [wallet, dapp]) {
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number
        assert.ok(overflow <= 0, `${page.url()} scrolls sideways by ${overflow}px on a 375px screen`)
      }
      // The first Tab reaches a button, and every button has a name.
      await dapp.keyboard.press('Tab')
      assert.equal(await dapp.evaluate('document.activeElement?.tagName'), 'BUTTON')
      const unnamed = await dapp.evaluate("[...document.querySelectorAll('button')].filter((b) => !(b.getAttribute('aria-label') ?? b.textContent ?? '').trim()).length")
      assert.equal(unnamed, 0)
    })
  })
})
