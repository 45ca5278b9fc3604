import { startDevnet, type Devnet } from '@latchkey/devnet'
import { sendUserOperationAndWait, toLatchkeyAccount } from '@latchkey/sdk'
import { demoCounterAbi, demoTokenAbi } from '@latchkey/contracts'
import {
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  erc20Abi,
  formatEther,
  formatUnits,
  http,
  parseEther,
  parseUnits,
  type PublicClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount, type UserOperationReceipt } from 'viem/account-abstraction'
import { failureLine } from '../support/errors.ts'
import { createReporter, type Reporter } from './progress.ts'
import { sessionChapter } from './sessionChapter.ts'
import { policyChapter } from './policyChapter.ts'
import { batchChapter } from './batchChapter.ts'
import { distributedChapter } from './distributedChapter.ts'
import { permissionsChapter } from './permissionsChapter.ts'
import { pagesChapter } from './pagesChapter.ts'
import { automationChapter } from './automationChapter.ts'
import { p256Chapter } from './p256Chapter.ts'

/** What every demo chapter gets: the devnet, clients, the reporter, and the account once it exists. */
export type DemoContext = {
  devnet: Devnet
  publicClient: PublicClient
  report: Reporter
}

function describeReceipt(report: Reporter, receipt: UserOperationReceipt) {
  report.detail(`userOp hash  ${receipt.userOpHash}`)
  report.detail(`transaction  ${receipt.receipt.transactionHash}`)
  report.detail(`gas used     ${receipt.receipt.gasUsed} (handleOps transaction); account paid ${formatEther(receipt.actualGasCost)} ETH`)
  report.detail(`result       ${receipt.success ? 'success' : 'reverted'}`)
}

/** Chapter 1, the owner path: deploy the account with its first userOp, then send ERC-20 and ETH. */
async function ownerChapter({ devnet, publicClient, report }: DemoContext): Promise<SmartAccount> {
  const owner = privateKeyToAccount(generatePrivateKey())
  report.detail(`owner key    ${owner.address} (new, random)`)

  const account = await report.step('computing the counterfactual account address', () =>
    toLatchkeyAccount({ client: publicClient, owner, factory: devnet.contracts.accountFactory }),
  )
  report.detail(`account      ${account.address} (not deployed yet: code ${await publicClient.getCode({ address: account.address }) ?? 'none'})`)

  const funder = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[0]!.privateKey) })
  await report.step('funding the account with 1 ETH from a devnet key', async () => {
    const hash = await funder.sendTransaction({ to: account.address, value: parseEther('1') })
    await publicClient.waitForTransactionReceipt({ hash })
  })

  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const token = devnet.contracts.demoToken
  const first = await report.step('userOp 1: deploy the account (initCode) and mint 1,000 LKUSD + count', () =>
    sendUserOperationAndWait(bundler, {
      account,
      chainClient: publicClient,
      calls: [
        { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }) },
        { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) },
      ],
    }),
  )
  describeReceipt(report, first)
  const code = await publicClient.getCode({ address: account.address })
  report.detail(`deployed     ${code && code !== '0x' ? `yes (${(code.length - 2) / 2} bytes of code: an EIP-1167 clone)` : 'no'}`)

  const recipient = privateKeyToAccount(generatePrivateKey()).address
  const second = await report.step('userOp 2: transfer 250 LKUSD and 0.01 ETH to a fresh address', () =>
    sendUserOperationAndWait(bundler, {
      account,
      chainClient: publicClient,
      calls: [
        { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, parseUnits('250', 6)] }) },
        { to: recipient, value: parseEther('0.01') },
      ],
    }),
  )
  describeReceipt(report, second)
  const [tokens, eth] = await Promise.all([
    publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [recipient] }),
    publicClient.getBalance({ address: recipient }),
  ])
  report.detail(`recipient    ${recipient} holds ${formatUnits(tokens, 6)} LKUSD and ${formatEther(eth)} ETH`)
  return account
}

/**
 * `latchkey demo` (and `npm start`): an embedded devnet, then each chapter in turn; with `serve`, the wallet and
 * dApp pages stay up at the end until Ctrl-C. Later chapters
 * (policies, batches, the signer network) follow the same shape: a function of the context (and the
 * owner's account) in its own file.
 */
export async function runDemo(options: { serve?: boolean | undefined } = {}): Promise<number> {
  const report = createReporter()
  const started = Date.now()
  let devnet: Devnet | undefined
  try {
    devnet = await report.step('starting the devnet (anvil, EntryPoint v0.7, Latchkey contracts, Alto)', () => startDevnet())
    const running = devnet
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => void running.stop().then(() => process.exit(130)))
    }
    report.detail(`rpc ${devnet.rpcUrl}   bundler ${devnet.bundlerUrl}   chain ${devnet.chainId}`)
    const publicClient = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), pollingInterval: 100 })
    const context: DemoContext = { devnet, publicClient, report }
    const chapter = (title: string) => process.stdout.write(`\n== ${title}\n`)
    chapter('Owner path: counterfactual deployment, ERC-20 and ETH')
    const account = await ownerChapter(context)
    chapter('Session keys: grant, use, out-of-scope refusal, revoke')
    await sessionChapter(context, account)
    chapter('Policies: a trading session (swap bounds, totals, fees), an over-limit swap refused')
    await policyChapter(context, account)
    chapter('A P-256 session key: a non-extractable WebCrypto key, approved off chain, checked on chain, renounced by its holder')
    await p256Chapter(context, account)
    chapter('Batched sessions: approve and swap under two sessions, one userOp')
    await batchChapter(context, account)
    chapter('Distributed sessions: a 2-of-3 signer network that checks the policy before it signs')
    await distributedChapter(context, account)
    chapter('ERC-7715: a dApp asks the wallet for a subscription, pays from it, the owner revokes')
    await permissionsChapter(context, account)
    chapter('Automation: a DCA, a subscription and a liquidation watcher on a runner, an AI agent bounded by its session')
    await automationChapter(context, account)
    chapter('Wallet and dApp pages (a browser game on session keys)')
    await pagesChapter(context, options.serve ?? false)
    process.stdout.write('\n')
    return 0
  } catch (error) {
    process.stderr.write(`\n${await failureLine(error, 'demo failed')}\n`)
    return 1
  } finally {
    if (devnet) await report.step('stopping the devnet', () => devnet!.stop())
    process.stdout.write(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }
}
