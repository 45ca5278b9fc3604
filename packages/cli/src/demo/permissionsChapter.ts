import { createClient, custom, encodeFunctionData, erc20Abi, formatUnits, parseUnits } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { http } from 'viem'
import {
  createLatchkeyWalletProvider,
  erc7715ProviderActions,
  LatchkeyError,
  sendUserOperationAndWait,
  toSessionAccount,
  type SessionAllowance,
} from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

const unit = (amount: bigint) => `${formatUnits(amount, 6)} LKUSD`

/**
 * Chapter 6, ERC-7715: a dApp asks the owner's wallet for a subscription (`erc20-token-periodic`: 100 LKUSD an
 * hour) with the Smart Accounts Kit's action; the wallet shows the consent text and the owner approves 60; the
 * dApp pays from the returned context with no owner signature, the wallet shows what is left this period, an
 * over-limit payment is refused, the owner revokes.
 */
export async function permissionsChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const token = devnet.contracts.demoToken
  const wallet = createLatchkeyWalletProvider({
    account: owner,
    bundlerClient: bundler,
    client: publicClient,
    manager: devnet.contracts.sessionKeyManager,
    streamPolicy: devnet.contracts.streamPolicy,
    contracts: { [token]: { name: 'LKUSD' } },
    review: async (review) => {
      report.detail('the wallet shows the owner:')
      for (const line of review.description.split('\n')) report.detail(`  | ${line}`)
      report.detail('the owner lowers the amount to 60 LKUSD per hour and approves')
      return { approved: true, adjustments: { amounts: { periodAmount: parseUnits('60', 6) } } }
    },
  })
  const dapp = createClient({ chain: devnet.chain, transport: custom(wallet) }).extend(erc7715ProviderActions())
  const key = privateKeyToAccount(generatePrivateKey())
  const now = Number((await publicClient.getBlock()).timestamp)
  const [granted] = await report.step('dApp: requestExecutionPermissions, erc20-token-periodic (100 LKUSD per hour, a week)', () =>
    dapp.requestExecutionPermissions([
      {
        chainId: devnet.chainId,
        to: key.address,
        expiry: now + 7 * 86_400,
        permission: { type: 'erc20-token-periodic', isAdjustmentAllowed: true, data: { tokenAddress: token, periodAmount: parseUnits('100', 6), periodDuration: 3600, justification: 'Monthly plan, billed hourly in the demo' } },
      },
    ]),
  )
  report.detail(`granted ${unit(BigInt(granted!.permission.data.periodAmount as string))} per hour; context ${granted!.context.length / 2 - 1} bytes`)

  const merchant = privateKeyToAccount(generatePrivateKey()).address
  const payer = await toSessionAccount({ client: publicClient, permissionContext: granted!.context, signer: key })
  const pay = (amount: bigint) => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [merchant, amount] }) })
  const paid = await report.step('dApp: pay 45 LKUSD from the context, signed by its session key alone', () =>
    sendUserOperationAndWait(bundler, { account: payer, calls: [pay(parseUnits('45', 6))], chainClient: publicClient }),
  )
  report.detail(`userOp hash  ${paid.userOpHash}   gas used ${paid.receipt.gasUsed}`)
  const [listed] = await dapp.getGrantedExecutionPermissions()
  for (const allowance of listed!.latchkey.allowances) report.detail(`left: ${describeAllowance(allowance)}`)
  await report.step('dApp: pay 20 LKUSD more this hour is refused before sending', async () => {
    try {
      await sendUserOperationAndWait(bundler, { account: payer, calls: [pay(parseUnits('20', 6))], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the over-limit payment was not refused')
  })
  await report.step('wallet: the owner revokes the permission (one owner userOp)', () => dapp.revokeExecutionPermission({ permissionContext: granted!.context }))
  report.detail(`granted permissions now: ${(await dapp.getGrantedExecutionPermissions()).length}`)
}

function describeAllowance(allowance: SessionAllowance): string {
  const until = allowance.periodEndsAt === undefined ? '' : ` this period (until ${new Date(allowance.periodEndsAt * 1000).toISOString()})`
  if (allowance.kind === 'gas') return `${formatUnits(allowance.remaining, 18)} of ${formatUnits(allowance.max, 18)} ETH for fees${until}`
  if (allowance.kind === 'calls') return `${allowance.remaining} of ${allowance.max} calls${until}`
  return `${unit(allowance.remaining)} of ${unit(allowance.max)}${until}`
}
