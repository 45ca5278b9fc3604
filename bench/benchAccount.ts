import { createPublicClient, createWalletClient, encodeFunctionData, http, parseUnits } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient } from 'viem/account-abstraction'
import { demoTokenAbi } from '@latchkey/contracts'
import { sendUserOperationAndWait, toLatchkeyAccount, type Call } from '@latchkey/sdk'
import { BENCH_FEES, fundForBench, type MeasureTarget } from './ownerPaths.ts'

/**
 * The clients a measurement uses, and a deployed LatchkeyAccount for the fixed owner key `0x<ownerByte × 32>`,
 * funded (ETH and an EntryPoint deposit) and holding 1,000 LKUSD; `calls` join its deploying userOp.
 */
export async function benchAccount(target: MeasureTarget, ownerByte: string, calls: (account: `0x${string}`) => Call[] = () => []) {
  const publicClient = createPublicClient({ chain: target.chain, transport: http(target.rpcUrl), pollingInterval: 100 })
  const bundler = createBundlerClient({ client: publicClient, transport: http(target.bundlerUrl), pollingInterval: 100 })
  const funder = createWalletClient({ chain: target.chain, transport: http(target.rpcUrl), account: privateKeyToAccount(target.funderKey) })
  const owner = privateKeyToAccount(`0x${ownerByte.repeat(32)}`)
  const account = await toLatchkeyAccount({ client: publicClient, owner, factory: target.contracts.accountFactory })
  await fundForBench(publicClient, funder, account.address)
  const mint = { to: target.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }) }
  await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls: [mint, ...calls(account.address)] })
  return { publicClient, bundler, account }
}
