/**
 * Gas of a session approved for several chains with one owner signature (MultichainApprovalValidator): the
 * session's first use, which carries its leaf's proof and the owner's one signature, and which the manager
 * checks through the account's ERC-1271 and records; to set beside `session/enable-and-use` (a one-chain
 * approval, checked by the account's own ERC-7739). The tree holds two approvals (here both on this chain:
 * the gas depends on the proof's length, not on the chains). Fixed keys: every run signs the same bytes.
 */
import { encodeFunctionData, erc20Abi, keccak256, parseUnits, slice, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createMultichainSessionApproval, createSession, erc7579ModuleConfigAbi, multichainApprovalInstallCall, permission, sendUserOperationAndWait, toSessionAccount } from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

export async function measureMultichainPaths(target: MeasureTarget): Promise<GasCase[]> {
  const { demoToken: token, sessionKeyManager: manager } = target.contracts
  const ownerKey = privateKeyToAccount(`0x${'c8'.repeat(32)}`)
  const { publicClient, bundler, account } = await benchAccount(target, 'c8', (address) => [
    { to: address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) },
    multichainApprovalInstallCall(address, ownerKey.address),
  ])
  const key = privateKeyToAccount(`0x${'e8'.repeat(32)}`)
  const session = (name: string) =>
    createSession({ signer: key.address, validAfter: 0, validUntil: 4_000_000_000, salt: benchSalt(name), gas: 'unbounded', permissions: [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })] })
  const entries = ['multichain/a', 'multichain/b'].map((name) => ({ client: publicClient, account: account.address, manager, session: session(name) }))
  const [grant] = await createMultichainSessionApproval({ owner: ownerKey, entries })
  const user = await toSessionAccount({ client: publicClient, grant: grant!, signer: key, declaredTime: FIXED_DECLARED_TIME })
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex('multichain/recipient')), 12), parseUnits('1', 6)] }) })
  const first = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
  return [caseOf('grant/multichain-enable-and-use', 'session ERC-20 transfer, first use with a multichain approval (a tree of 2; records it)', first)]
}
