import { erc20Abi, formatEther, formatUnits, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoGameAbi } from '@latchkey/contracts'
import { createLatchkeyWalletProvider, toLatchkeyAccount, type GrantedExecutionPermission } from '@latchkey/sdk'
import { byId, errorText, loadPage, type PageClients } from '../common/pageConfig.ts'
import { loadOrCreate } from '../common/pageStorage.ts'
import { serveOpener } from '../common/walletBridge.ts'
import { showConsent } from './consentView.ts'
import { IndexedDbPermissionStore } from './indexedDbPermissionStore.ts'
import { renderSessions } from './sessionListView.ts'

/**
 * The wallet page. Opened by a dApp (a popup), it shows the request's consent screen and answers; opened
 * directly, it lists the sessions granted with what is left of each limit, and revokes them.
 */
async function main() {
  const page = await loadPage()
  const { config, publicClient, bundlerClient } = page
  // The owner key: made once, kept in this origin's IndexedDB. A devnet wallet: a real one keeps it in a
  // keystore or a passkey, never in a page.
  const ownerKey = await loadOrCreate<Hex>('owner-key', generatePrivateKey)
  const account = await toLatchkeyAccount({ client: publicClient, owner: privateKeyToAccount(ownerKey), factory: config.contracts.accountFactory })
  await fundOnce(page, account.address)
  await showAccount(page, account.address)

  let origin = 'A page'
  const provider = createLatchkeyWalletProvider({
    account,
    bundlerClient,
    client: publicClient,
    manager: config.contracts.sessionKeyManager,
    streamPolicy: config.contracts.streamPolicy,
    store: new IndexedDbPermissionStore(),
    contracts: { [config.contracts.demoGame]: { name: 'DemoGame', abi: demoGameAbi }, [config.token.address]: { name: config.token.symbol, abi: erc20Abi } },
    review: (review) => showConsent(config, review, origin),
  })

  const popup = serveOpener(async (request, from) => {
    origin = from
    byId('sessions-section').hidden = true
    try {
      return await provider.request({ method: request.method, params: request.params })
    } finally {
      setTimeout(() => window.close(), 500)
    }
  })
  if (popup) return

  const status = byId('sessions-status')
  const refresh = async () => {
    status.textContent = 'Reading the chain…'
    try {
      const granted: GrantedExecutionPermission[] = await provider.listPermissions()
      renderSessions(config, byId('sessions'), granted, (context) => void revoke(context))
      const active = granted.filter((g) => g.latchkey.status === 'active' || g.latchkey.status === 'pending').length
      status.textContent = granted.length === 0 ? 'No sessions granted yet.' : `${active} of ${granted.length} session${granted.length === 1 ? '' : 's'} usable, read at ${new Date().toLocaleTimeString()}.`
      await showAccount(page, account.address)
    } catch (error) {
      status.textContent = `Could not read the sessions: ${errorText(error)}`
    }
  }
  const revoke = async (context: Hex | 'all') => {
    status.textContent = 'Revoking (one owner userOp)…'
    try {
      if (context === 'all') await provider.revokeAll()
      else await provider.request({ method: 'wallet_revokeExecutionPermission', params: [{ permissionContext: context }] })
      status.textContent = 'Revoked.'
    } catch (error) {
      status.textContent = `The revocation failed: ${errorText(error)}`
      return
    }
    await refresh()
  }
  byId('refresh').addEventListener('click', () => void refresh())
  byId('revoke-all').addEventListener('click', () => void revoke('all'))
  await refresh()
}

/** A devnet convenience: the page server's faucet funds a new account with ETH and the demo token, once. */
async function fundOnce({ publicClient }: PageClients, address: `0x${string}`) {
  if ((await publicClient.getBalance({ address })) > 0n) return
  const answer = await fetch('/faucet', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address }) })
  if (!answer.ok) throw new Error(`the faucet answered ${answer.status}`)
}

async function showAccount({ config, publicClient }: PageClients, address: `0x${string}`) {
  const [balance, tokens, code] = await Promise.all([
    publicClient.getBalance({ address }),
    publicClient.readContract({ address: config.token.address, abi: erc20Abi, functionName: 'balanceOf', args: [address] }),
    publicClient.getCode({ address }),
  ])
  const deployed = code !== undefined && code !== '0x' ? 'deployed' : 'not deployed yet (its first grant deploys it)'
  byId('account').textContent = `${address}, ${deployed}: ${formatEther(balance)} ETH, ${formatUnits(tokens, config.token.decimals)} ${config.token.symbol}`
  byId('account').dataset.address = address
}

main().catch((error) => {
  byId('account').textContent = `The wallet could not start: ${errorText(error)}`
})
