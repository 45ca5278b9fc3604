import { createClient, custom, encodeFunctionData, erc20Abi, parseUnits, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoGameAbi } from '@latchkey/contracts'
import { callPolicy, erc7715ProviderActions, type Erc7715ProviderActions, latchkeySessionPermissionData, sendUserOperationAndWait, toSessionAccount } from '@latchkey/sdk'
import { byId, errorText, loadPage, type PageClients } from '../common/pageConfig.ts'
import { loadOrCreate, loadValue, saveValue } from '../common/pageStorage.ts'
import { popupWalletProvider } from '../common/walletBridge.ts'

/** How many moves the game asks for, and for how long. */
const MOVES = 20
const SESSION_SECONDS = 3600
/** Who the subscription pays: a fixed address of the demo's merchant. */
const MERCHANT = '0x000000000000000000000000000000000000c0de'

/**
 * The dApp page: asks the wallet (a popup) once for a session that may only move on DemoGame, then plays each
 * move with the session key it keeps in IndexedDB. The key never leaves the page; the wallet only learns its
 * address. A subscription asks for an ERC-20 periodic permission and pays from it.
 */
async function main() {
  const page = await loadPage()
  const { config } = page
  const sessionKey = privateKeyToAccount(await loadOrCreate<Hex>('session-key', generatePrivateKey))
  const wallet = createClient({ transport: custom(popupWalletProvider(config.walletUrl)) }).extend(erc7715ProviderActions())
  const now = async () => Number((await page.publicClient.getBlock()).timestamp)

  const sessionStatus = byId('session-status')
  const showSession = (context: Hex | undefined) => {
    sessionStatus.textContent = context ? `Session granted to this page's key ${sessionKey.address}: moves need no confirmation.` : `No session yet. This page's key: ${sessionKey.address}.`
  }
  showSession(await loadValue<Hex>('game-context'))
  byId('ask').addEventListener('click', async () => {
    sessionStatus.textContent = 'Waiting for the wallet…'
    try {
      const [granted] = await wallet.requestExecutionPermissions([
        {
          chainId: config.chainId,
          to: sessionKey.address,
          expiry: (await now()) + SESSION_SECONDS,
          permission: {
            type: 'latchkey-session',
            isAdjustmentAllowed: false,
            data: latchkeySessionPermissionData(
              [callPolicy({ address: config.contracts.demoGame, abi: demoGameAbi, functionName: 'move', limits: { calls: { max: MOVES } }, policy: config.contracts.sessionKeyManager })],
              `Play up to ${MOVES} moves without a confirmation each time`,
            ),
          },
        },
      ])
      await saveValue('game-context', granted!.context)
      showSession(granted!.context)
    } catch (error) {
      sessionStatus.textContent = `The wallet did not grant a session: ${errorText(error)}`
    }
  })
  drawBoard(page, sessionKey)
  setUpSubscription(page, sessionKey, wallet, now)
}

function drawBoard(page: PageClients, sessionKey: ReturnType<typeof privateKeyToAccount>) {
  const board = byId('board')
  const error = byId('move-error')
  const log = byId('moves')
  for (let y = 0; y < 8; y++) {
    const row = document.createElement('div')
    row.setAttribute('role', 'row')
    for (let x = 0; x < 8; x++) {
      const square = document.createElement('button')
      square.type = 'button'
      square.setAttribute('role', 'gridcell')
      square.setAttribute('aria-label', `Move to ${x}, ${y}`)
      square.addEventListener('click', async () => {
        error.textContent = ''
        const context = await loadValue<Hex>('game-context')
        if (!context) {
          error.textContent = 'Ask the wallet for a session first.'
          return
        }
        square.setAttribute('aria-busy', 'true')
        try {
          const player = await toSessionAccount({ client: page.publicClient, permissionContext: context, signer: sessionKey })
          const data = encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [x, y] })
          const receipt = await sendUserOperationAndWait(page.bundlerClient, { account: player, calls: [{ to: page.config.contracts.demoGame, data }] })
          for (const other of board.querySelectorAll('[aria-current]')) other.removeAttribute('aria-current')
          square.setAttribute('aria-current', 'true')
          square.textContent = '●'
          for (const other of board.querySelectorAll('button:not([aria-current])')) other.textContent = ''
          const entry = document.createElement('li')
          entry.textContent = `Moved to (${x}, ${y}): userOp ${receipt.userOpHash.slice(0, 10)}…, gas ${receipt.receipt.gasUsed}`
          log.append(entry)
        } catch (problem) {
          error.textContent = `Move refused: ${errorText(problem)}`
        } finally {
          square.removeAttribute('aria-busy')
        }
      })
      row.append(square)
    }
    board.append(row)
  }
}

function setUpSubscription(page: PageClients, sessionKey: ReturnType<typeof privateKeyToAccount>, wallet: Erc7715ProviderActions, now: () => Promise<number>) {
  const { config } = page
  const status = byId('subscription-status')
  const pay = byId<HTMLButtonElement>('pay')
  void loadValue<Hex>('subscription-context').then((context) => {
    if (context) pay.disabled = false
  })
  byId('subscribe').addEventListener('click', async () => {
    status.textContent = 'Waiting for the wallet…'
    try {
      const [granted] = await wallet.requestExecutionPermissions([
        {
          chainId: config.chainId,
          to: sessionKey.address,
          expiry: (await now()) + 7 * 86_400,
          permission: {
            type: 'erc20-token-periodic',
            isAdjustmentAllowed: true,
            data: { tokenAddress: config.token.address, periodAmount: parseUnits('100', config.token.decimals), periodDuration: 3600, justification: 'A subscription: at most 100 LKUSD per hour' },
          },
        },
      ])
      await saveValue('subscription-context', granted!.context)
      const amount = BigInt(granted!.permission.data.periodAmount as string)
      status.textContent = `Subscribed: the wallet granted ${Number(amount) / 10 ** config.token.decimals} ${config.token.symbol} per hour.`
      pay.disabled = false
    } catch (error) {
      status.textContent = `The wallet did not grant the subscription: ${errorText(error)}`
    }
  })
  pay.addEventListener('click', async () => {
    const context = await loadValue<Hex>('subscription-context')
    if (!context) return
    status.textContent = 'Paying…'
    try {
      const payer = await toSessionAccount({ client: page.publicClient, permissionContext: context, signer: sessionKey })
      const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [MERCHANT, parseUnits('10', config.token.decimals)] })
      const receipt = await sendUserOperationAndWait(page.bundlerClient, { account: payer, calls: [{ to: config.token.address, data }] })
      status.textContent = `Paid 10 ${config.token.symbol}: userOp ${receipt.userOpHash.slice(0, 10)}…`
    } catch (error) {
      status.textContent = `Payment refused: ${errorText(error)}`
    }
  })
}

main().catch((error) => {
  byId('session-status').textContent = `The page could not start: ${errorText(error)}`
})
