/**
 * Gas of an EIP-7702 account (an EOA delegating to LatchkeyAccount7702), on an Osaka devnet (EIP-7702 is
 * Prague's): the EOA's first userOp, which carries the authorization (Alto sends a type-4 transaction) and
 * installs the SessionKeyManager; then the same steady session ERC-20 transfer as the signer cases (recorded
 * session, no policy, ECDSA key), to set beside the clone's on the same chain (`signer-osaka/ecdsa`). Keys
 * are fixed, so every run signs the same bytes.
 */
import { createPublicClient, createWalletClient, encodeFunctionData, erc20Abi, http, keccak256, parseUnits, slice, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient } from 'viem/account-abstraction'
import { demoTokenAbi } from '@latchkey/contracts'
import { createSession, createSessionApproval, erc7579ModuleConfigAbi, permission, sendUserOperationAndWait, toLatchkey7702Account, toSessionAccount } from '@latchkey/sdk'
import { BENCH_FEES, caseOf, fundForBench, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchSalt } from './benchSalt.ts'

export async function measureEip7702Paths(target: MeasureTarget): Promise<GasCase[]> {
  const { demoToken: token, sessionKeyManager: manager } = target.contracts
  const publicClient = createPublicClient({ chain: target.chain, transport: http(target.rpcUrl), pollingInterval: 100 })
  const bundler = createBundlerClient({ client: publicClient, transport: http(target.bundlerUrl), pollingInterval: 100 })
  const funder = createWalletClient({ chain: target.chain, transport: http(target.rpcUrl), account: privateKeyToAccount(target.funderKey) })
  const account = await toLatchkey7702Account({ client: publicClient, owner: privateKeyToAccount(`0x${'77'.repeat(32)}`) })
  await fundForBench(publicClient, funder, account.address)

  const mint = { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('1000', 6)] }) }
  const install = { to: account.address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) }
  const first = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls: [install, mint] })
  const cases = [caseOf('eip7702/first-op', "an EOA's first userOp: the EIP-7702 authorization, installing the SessionKeyManager, a token mint", first)]

  const key = privateKeyToAccount(`0x${'e7'.repeat(32)}`)
  const session = createSession({
    signer: key.address,
    validAfter: 0,
    validUntil: 4_000_000_000,
    salt: benchSalt('eip7702/session'),
    gas: 'unbounded',
    permissions: [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })],
  })
  const grant = await createSessionApproval({ account, manager, session })
  const user = await toSessionAccount({ client: publicClient, grant, signer: key, declaredTime: FIXED_DECLARED_TIME })
  let fresh = 0
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex(`eip7702/recipient/${fresh++}`)), 12), parseUnits('1', 6)] }) })
  await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
  const steady = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
  cases.push(caseOf('eip7702/session-steady', 'session ERC-20 transfer, recorded, ECDSA session key, steady, on the EIP-7702 account', steady))
  return cases
}
