/**
 * Gas of the owner paths of the reference account, measured with the method in BENCHMARKS.md: receipt
 * `gasUsed` of the bundle-of-one `handleOps` transaction that Alto sends; the measured userOp is not the
 * account's first and its nonce key was used before ("steady"); ERC-20 transfer of a token whose sender
 * balance stays non-zero, to a fresh recipient.
 */
import { createPublicClient, createWalletClient, encodeFunctionData, erc20Abi, http, parseEther, parseUnits, size, slice, keccak256, stringToHex, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from 'viem'
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
    cases.push({ id: `${path.id}/first-deploy-and-mint`, title: `${path.title}: first userOp (deploy + mint)`, gasUsed: first.receipt.gasUsed, signatureBytes: size(first.userOperation.signature) })

    await send([transfer(fresh(), '1')]) // warms the nonce key: the next ones are steady
    const erc20 = await send([transfer(fresh(), '1')])
    cases.push({ id: `${path.id}/steady-erc20-transfer`, title: `${path.title}: ERC-20 transfer, steady`, gasUsed: erc20.receipt.gasUsed, signatureBytes: size(erc20.userOperation.signature) })

    const native = await send([{ to: fresh(), value: 1n }])
    cases.push({ id: `${path.id}/steady-native-transfer`, title: `${path.title}: ETH transfer, steady`, gasUsed: native.receipt.gasUsed, signatureBytes: size(native.userOperation.signature) })
  }
  return cases
}
