import { encodeFunctionData, erc20Abi, formatUnits, http, parseGwei, parseEther, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { demoSwapRouterV3Abi } from '@latchkey/contracts'
import {
  callPolicy,
  createSession,
  describeSession,
  eq,
  erc20Policy,
  gasPolicy,
  grantSessions,
  LatchkeyError,
  lte,
  sendUserOperationAndWait,
  toSessionAccount,
  total,
} from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

const USD = (amount: number) => BigInt(Math.round(amount * 1e6))

/**
 * Chapter 3, policies (the worked case of a trading bot): a session that may swap LKUSD for LKWETH on the
 * demo Uniswap-V3-style router, only into the account, at most 100 LKUSD per swap and 1,000 in total, and
 * approve the router for at most 1,000 LKUSD; its fees bounded. The consent text, an approve + swap in one
 * userOp, then a swap over the per-call bound refused before anything is sent.
 */
export async function policyChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const { demoToken: usd, demoWeth: weth, demoSwapRouterV3: router, sessionKeyManager: manager } = devnet.contracts
  const botKey = privateKeyToAccount(generatePrivateKey())

  const session = createSession({
    signer: botKey.address,
    validFor: 24 * 3600,
    permissions: [
      erc20Policy({ token: usd, recipients: [router], total: USD(1_000) }),
      callPolicy({
        address: router,
        abi: demoSwapRouterV3Abi,
        functionName: 'exactInputSingle',
        args: [{ tokenIn: eq(usd), tokenOut: eq(weth), recipient: eq(owner.address), amountIn: [lte(USD(100)), total(USD(1_000))] }],
      }),
    ],
    gas: gasPolicy({ maxFeePerGas: parseGwei('100'), total: parseEther('0.05'), paymaster: 'none' }),
  })
  const text = describeSession(session, {
    account: owner.address,
    contracts: {
      [usd]: { name: 'LKUSD' },
      [weth]: { name: 'LKWETH' },
      [router]: { name: 'demo swap router', abi: demoSwapRouterV3Abi },
    },
  })
  report.detail('what the owner is asked to approve (describeSession):')
  for (const line of text.split('\n')) report.detail(`  ${line}`)

  const { grants } = await report.step('owner userOp: grant the trading session (Merkle root)', () =>
    grantSessions(bundler, { account: owner, manager, sessions: [session], chainClient: publicClient }),
  )
  const bot = await toSessionAccount({ client: publicClient, grant: grants[0]!, signer: botKey })
  const swap = (amountIn: bigint, recipient: Address = owner.address) => ({
    to: router,
    data: encodeFunctionData({
      abi: demoSwapRouterV3Abi,
      functionName: 'exactInputSingle',
      args: [{ tokenIn: usd, tokenOut: weth, fee: 3000, recipient, amountIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }],
    }),
  })
  const approve = { to: usd, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, USD(100)] }) }

  const swapped = await report.step('bot userOp: approve 100 LKUSD + swap 100 LKUSD → LKWETH, one userOp, session key only', () =>
    sendUserOperationAndWait(bundler, { account: bot, calls: [approve, swap(USD(100))], chainClient: publicClient }),
  )
  const wethBalance = await publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [owner.address] })
  report.detail(`userOp hash  ${swapped.userOpHash}   gas used ${swapped.receipt.gasUsed}   the account now holds ${formatUnits(wethBalance, 6)} LKWETH`)

  await report.step('bot userOp over the bound: swap 150 LKUSD is refused before sending', async () => {
    try {
      await sendUserOperationAndWait(bundler, { account: bot, calls: [swap(USD(150))], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the over-limit swap was not refused')
  })
}
