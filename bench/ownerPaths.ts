/**
 * Gas of the owner paths of the reference account, measured with the method in BENCHMARKS.md: receipt
 * `gasUsed` of the bundle-of-one `handleOps` transaction that Alto sends; the measured userOp is not the
 * account's first and its nonce key was used before ("steady"); ERC-20 transfer of a token whose sender
 * balance stays non-zero, to a fresh recipient.
 */
import { createPublicClient, createWalletClient, encodeFunctionData, toEventSelector, erc20Abi, http, parseEther, parseUnits, size, slice, keccak256, stringToHex, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { demoTokenAbi } from '@latchkey/contracts'
import { sendUserOperationAndWait, toLatchkeyAccount } from '@latchkey/sdk'
import type { LatchkeyContracts } from '@latchkey/devnet'

export type GasCase = {
  /** Stable identifier, used by the gas snapshot. */
  id: string
  title: string
  gasUsed: bigint
  /** Bytes of `userOp.signature`. */
  signatureBytes: number
  /** The bundle's transaction (its calldata gives the L1 calldata gas). */
  transactionHash?: Hex | undefined
}

/** The case measured by one sent userOp: its bundle transaction's gas, its signature's size. */
export function caseOf(id: string, title: string, sent: { receipt: { gasUsed: bigint; transactionHash: Hex }; userOperation: { signature: Hex } }): GasCase {
  return { id, title, gasUsed: sent.receipt.gasUsed, signatureBytes: size(sent.userOperation.signature), transactionHash: sent.receipt.transactionHash }
}

/**
 * Fees every measured userOp uses, instead of the network's estimate: the estimate follows the base fee,
 * which moves with the devnet's heartbeat blocks; fixed fees keep userOpHashes, signatures and so calldata
 * gas identical from run to run. (Gas used does not depend on the price.)
 */
export const BENCH_FEES = { maxFeePerGas: 5_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }

/**
 * Funds `account` (deployed or not) with ETH and with an EntryPoint deposit large enough for every userOp
 * of a run. With the deposit, no measured op transfers its prefund to the EntryPoint in validation, so
 * "steady" does not depend on what earlier ops left in the deposit (which depends on their gas limits and
 * fees). An op that has to top up its deposit pays ≈8.9k more (BENCHMARKS.md).
 */
export async function fundForBench(publicClient: PublicClient, funder: WalletClient<Transport, Chain, Account>, account: Address) {
  await publicClient.waitForTransactionReceipt({ hash: await funder.sendTransaction({ to: account, value: parseEther('1') }) })
  const hash = await funder.writeContract({ address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'depositTo', args: [account], value: parseEther('1') })
  await publicClient.waitForTransactionReceipt({ hash })
}

export type MeasureTarget = { chain: Chain; rpcUrl: string; bundlerUrl: string; contracts: LatchkeyContracts; funderKey: Hex }

export async function measureOwnerPaths(target: MeasureTarget): Promise<GasCase[]> {
  const publicClient = createPublicClient({ chain: target.chain, transport: http(target.rpcUrl), pollingInterval: 100 })
  const bundler = createBundlerClient({ client: publicClient, transport: http(target.bundlerUrl), pollingInterval: 100 })
  const funder = createWalletClient({ chain: target.chain, transport: http(target.rpcUrl), account: privateKeyToAccount(target.funderKey) })
  const token = target.contracts.demoToken
  const cases: GasCase[] = []

  const paths = [
    { id: 'owner-builtin', title: 'owner, built into the account (nonce key 0)', ownerValidator: undefined },
    { id: 'owner-module', title: 'owner, through the OwnerValidator module', ownerValidator: target.contracts.ownerValidator },
  ]
  for (const path of paths) {
    // A fixed owner key per path keeps signatures (and so calldata gas) the same from run to run.
    const owner = privateKeyToAccount(`0x${(path.ownerValidator ? 'b2' : 'b1').repeat(32)}`)
    const account = await toLatchkeyAccount({ client: publicClient, owner, factory: target.contracts.accountFactory, ownerValidator: path.ownerValidator })
    await fundForBench(publicClient, funder, account.address)
    const send = (calls: Parameters<typeof sendUserOperationAndWait>[1]['calls']) =>
      sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls, chainClient: publicClient })
    const transfer = (to: `0x${string}`, amount: string) => ({
      to: token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, parseUnits(amount, 6)] }),
    })
    // Fresh, but the same in every run: gas depends on the zero bytes of the calldata.
    let recipients = 0
    const fresh = () => slice(keccak256(stringToHex(`${path.id}/recipient/${recipients++}`)), 12)

    const first = await send([
      { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }) },
    ])
    cases.push(caseOf(`${path.id}/first-deploy-and-mint`, `${path.title}: first userOp (deploy + mint)`, first))

    await send([transfer(fresh(), '1')]) // warms the nonce key: the next ones are steady
    const erc20 = await send([transfer(fresh(), '1')])
    cases.push(caseOf(`${path.id}/steady-erc20-transfer`, `${path.title}: ERC-20 transfer, steady`, erc20))

    const native = await send([{ to: fresh(), value: 1n }])
    cases.push(caseOf(`${path.id}/steady-native-transfer`, `${path.title}: ETH transfer, steady`, native))
  }

  // The anchors' accounts hold ETH but no EntryPoint deposit, so every op sends what its prefund lacks to the
  // EntryPoint in validation. The same steady transfer measured that way gives the difference between the
  // two methods. The account is deployed and given tokens by plain transactions, so that its deposit holds
  // only what earlier ops left (a deploying userOp's large prefund would leave enough for many ops).
  const owner = privateKeyToAccount(`0x${'b3'.repeat(32)}`)
  const account = await toLatchkeyAccount({ client: publicClient, owner, factory: target.contracts.accountFactory })
  const { factory, factoryData } = await account.getFactoryArgs()
  for (const hash of [
    await funder.sendTransaction({ to: factory!, data: factoryData! }),
    await funder.sendTransaction({ to: account.address, value: parseEther('1') }),
    await funder.writeContract({ address: token, abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }),
  ]) {
    await publicClient.waitForTransactionReceipt({ hash })
  }
  const send = (calls: Parameters<typeof sendUserOperationAndWait>[1]['calls']) => sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls, chainClient: publicClient })
  const transfer = (n: number) => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex(`top-up/recipient/${n}`)), 12), parseUnits('1', 6)] }) })
  await send([transfer(0)])
  const topUp = await send([transfer(1)])
  // A top-up shows as the EntryPoint's Deposited(account, totalDeposit) event in the bundle's receipt.
  const deposited = toEventSelector('Deposited(address,uint256)')
  if (!topUp.receipt.logs.some((log) => log.address.toLowerCase() === entryPoint07Address.toLowerCase() && log.topics[0] === deposited)) {
    throw new Error('the top-up case did not top up: its deposit covered the prefund')
  }
  cases.push(caseOf('owner-builtin/steady-erc20-transfer-top-up', 'owner, built-in: ERC-20 transfer, steady, no deposit (the op tops up its prefund: the anchors\' method)', topUp))
  return cases
}
