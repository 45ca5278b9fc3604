import { encodeFunctionData, erc20Abi, formatUnits, http, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { demoNftAbi, demoSwapRouterV3Abi } from '@latchkey/contracts'
import {
  callPolicy,
  createSession,
  createSessionApproval,
  eq,
  erc20Policy,
  grantSessions,
  LatchkeyError,
  lte,
  sendUserOperationAndWait,
  toSessionAccount,
} from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

const USD = (amount: number) => BigInt(Math.round(amount * 1e6))

/**
 * Chapter 4, batched sessions: a dApp holds two narrow sessions of one key, one that may only approve the
 * router for LKUSD (granted by the account's Merkle root) and one that may only swap into the account
 * (approved by the owner off chain, enabled by its first use). The approve and the swap go in one userOp,
 * each call checked against its own session, one signature. Then a batch with a call neither session allows
 * is refused before sending, naming the call.
 */
export async function batchChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const { demoToken: usd, demoWeth: weth, demoSwapRouterV3: router, demoNft: nft, sessionKeyManager: manager } = devnet.contracts
  const dappKey = privateKeyToAccount(generatePrivateKey())

  const tokenSession = createSession({
    signer: dappKey.address,
    validFor: 3600,
    permissions: [erc20Policy({ token: usd, recipients: [router], total: USD(500) })],
  })
  const swapSession = createSession({
    signer: dappKey.address,
    validFor: 3600,
    permissions: [
      callPolicy({
        address: router,
        abi: demoSwapRouterV3Abi,
        functionName: 'exactInputSingle',
        args: [{ tokenIn: eq(usd), tokenOut: eq(weth), recipient: eq(owner.address), amountIn: lte(USD(100)) }],
      }),
    ],
  })
  const { grants } = await report.step('owner userOp: grant the approve-only session (Merkle root)', () =>
    grantSessions(bundler, { account: owner, manager, sessions: [tokenSession], chainClient: publicClient }),
  )
  const swapGrant = await report.step('owner, off chain: approve the swap-only session (EIP-712, no transaction)', () =>
    createSessionApproval({ account: owner, manager, session: swapSession, chainClient: publicClient }),
  )
  const dapp = await toSessionAccount({ client: publicClient, grants: [grants[0]!, swapGrant], signer: dappKey })

  const approve = { to: usd, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [router, USD(50)] }) }
  const swap = {
    to: router,
    data: encodeFunctionData({
      abi: demoSwapRouterV3Abi,
      functionName: 'exactInputSingle',
      args: [{ tokenIn: usd, tokenOut: weth, fee: 3000, recipient: owner.address as Address, amountIn: USD(50), amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }],
    }),
  }
  const before = await publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [owner.address] })
  const sent = await report.step('dApp userOp: approve (session 1) + swap (session 2, enabled now), one userOp, one signature', () =>
    sendUserOperationAndWait(bundler, { account: dapp, calls: [approve, swap], chainClient: publicClient }),
  )
  const after = await publicClient.readContract({ address: weth, abi: erc20Abi, functionName: 'balanceOf', args: [owner.address] })
  report.detail(
    `signature mode 0x${sent.userOperation.signature.slice(2, 4)} (batch), ${(sent.userOperation.signature.length - 2) / 2} bytes; gas used ${sent.receipt.gasUsed}; +${formatUnits(after - before, 6)} LKWETH`,
  )

  await report.step('dApp userOp: approve + swap + an NFT mint that neither session allows is refused before sending', async () => {
    const mint = { to: nft, data: encodeFunctionData({ abi: demoNftAbi, functionName: 'safeMint', args: [owner.address] }) }
    try {
      await sendUserOperationAndWait(bundler, { account: dapp, calls: [approve, swap, mint], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the batch with an unallowed call was not refused')
  })
}
