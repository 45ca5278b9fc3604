/**
 * A peer on the same devnet, beside our owner paths: Biconomy's Nexus (`biconomy.nexus.1.0.0`, bytecode from
 * `@rhinestone/modulekit`, fetched with `npm pack` as the Nexus tests do) with our OwnerValidator as its
 * validator, measured with the same method (fixed fees, an EntryPoint deposit, steady nonce key). Not in the
 * committed snapshot: it needs the download.
 */
import { createPublicClient, createWalletClient, encodeFunctionData, erc20Abi, http, keccak256, parseEther, parseUnits, slice, stringToHex, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { demoTokenAbi } from '@latchkey/contracts'
import { sendUserOperationAndWait } from '@latchkey/sdk'
import type { TestKey } from '@latchkey/devnet'
import type { DevnetFixture } from '../test/fixtures/devnet.ts'
import { deployNexus, ownedNexusAccount } from '../test/fixtures/nexusAccount.ts'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'

export async function measurePeerPaths(target: MeasureTarget & { chainId: number; entryPoint: Address; testKeys: TestKey[] }): Promise<GasCase[]> {
  const publicClient = createPublicClient({ chain: target.chain, transport: http(target.rpcUrl), pollingInterval: 100 })
  const bundlerClient = createBundlerClient({ client: publicClient, transport: http(target.bundlerUrl), pollingInterval: 100 })
  const funder = createWalletClient({ chain: target.chain, transport: http(target.rpcUrl), account: privateKeyToAccount(target.funderKey) })
  const fund = async (to: Address, ether = '1') => {
    await publicClient.waitForTransactionReceipt({ hash: await funder.sendTransaction({ to, value: parseEther(ether) }) })
  }
  const devnet: DevnetFixture = {
    chainId: target.chainId,
    rpcUrl: target.rpcUrl,
    bundlerUrl: target.bundlerUrl,
    entryPoint: target.entryPoint,
    contracts: target.contracts,
    testKeys: target.testKeys,
    chain: target.chain,
    publicClient,
    bundlerClient,
    fund,
  }
  const nexus = await deployNexus(devnet)
  const account = await ownedNexusAccount(devnet, nexus, privateKeyToAccount(`0x${'b4'.repeat(32)}`))
  await publicClient.waitForTransactionReceipt({
    hash: await funder.writeContract({ address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'depositTo', args: [account.address], value: parseEther('1') }),
  })
  const token = target.contracts.demoToken
  const send = (calls: Parameters<typeof sendUserOperationAndWait>[1]['calls']) => sendUserOperationAndWait(bundlerClient, { fees: BENCH_FEES, account, calls, chainClient: publicClient })
  let recipients = 0
  const fresh = () => slice(keccak256(stringToHex(`peer/recipient/${recipients++}`)), 12)
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [fresh(), parseUnits('1', 6)] }) })
  const cases: GasCase[] = []
  const first = await send([{ to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }) }])
  cases.push(caseOf('peer/nexus-owner-first-deploy-and-mint', 'Nexus 1.0.0 + our OwnerValidator: first userOp (deploy + mint)', first))
  await send([transfer()])
  cases.push(caseOf('peer/nexus-owner-steady-erc20-transfer', 'Nexus 1.0.0 + our OwnerValidator: ERC-20 transfer, steady', await send([transfer()])))
  cases.push(caseOf('peer/nexus-owner-steady-native-transfer', 'Nexus 1.0.0 + our OwnerValidator: ETH transfer, steady', await send([{ to: fresh(), value: 1n }])))
  return cases
}
