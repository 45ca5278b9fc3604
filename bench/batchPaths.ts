/**
 * Gas of batched sessions (docs/sessions.md §6): three calls, each under its own session of one key (an
 * ERC-20 transfer, a counter call, an ERC-20 approval; recorded sessions, no policies, steady), sent as one
 * batch-mode userOp and as three single-session userOps. Also the same three calls under one session with
 * all three permissions (the single-session format), to show what the batch mode itself costs.
 */
import { encodeFunctionData, erc20Abi, keccak256, parseUnits, slice, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { demoCounterAbi } from '@latchkey/contracts'
import { createSession, createSessionApproval, erc7579ModuleConfigAbi, permission, sendUserOperationAndWait, toSessionAccount, type Call, type Permission, type SessionGrant } from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

export async function measureBatchPaths(target: MeasureTarget): Promise<GasCase[]> {
  const { demoToken: token, demoCounter: counter, sessionKeyManager: manager } = target.contracts
  const cases: GasCase[] = []
  const { publicClient, bundler, account } = await benchAccount(target, 'c3', (address) => [
    { to: address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) },
  ])
  const key = privateKeyToAccount(`0x${'e1'.repeat(32)}`)
  let fresh = 0
  const address = () => slice(keccak256(stringToHex(`batch/address/${fresh++}`)), 12)
  const transfer = (): Call => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [address(), parseUnits('1', 6)] }) })
  const count = (): Call => ({ to: counter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })
  const approve = (): Call => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [address(), parseUnits('1', 6)] }) })
  const threeCalls = () => [transfer(), count(), approve()]

  const permissions = {
    transfer: permission({ target: token, abi: erc20Abi, functionName: 'transfer' }),
    count: permission({ target: counter, abi: demoCounterAbi, functionName: 'count' }),
    approve: permission({ target: token, abi: erc20Abi, functionName: 'approve' }),
  }
  /** A session of `key` with `list`, approved by the owner and recorded by one use with `call`. */
  async function recorded(name: string, list: Permission[], call: () => Call): Promise<SessionGrant> {
    // No gas policy, explicitly: these cases measure sessions without one (the SDK's default adds GasPolicy; see policy/default-gas-bounds).
    const session = createSession({ signer: key.address, validAfter: 0, validUntil: 4_000_000_000, salt: benchSalt(`batch/${name}`), permissions: list, gas: 'unbounded' })
    const grant = await createSessionApproval({ account, manager, session })
    const alone = await toSessionAccount({ client: publicClient, grant, signer: key, declaredTime: FIXED_DECLARED_TIME })
    await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: alone, calls: [call()] })
    return grant
  }
  const grants = [
    await recorded('transfer', [permissions.transfer], transfer),
    await recorded('count', [permissions.count], count),
    await recorded('approve', [permissions.approve], approve),
  ]

  // Three single-session userOps (each session's nonce key already used: steady).
  let singles = 0n
  for (const [index, grant] of grants.entries()) {
    const alone = await toSessionAccount({ client: publicClient, grant, signer: key, declaredTime: FIXED_DECLARED_TIME })
    const sent = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: alone, calls: [threeCalls()[index]!] })
    singles += sent.receipt.gasUsed
  }

  // One batch-mode userOp; a first batch makes the batch's nonce key (session 0's) and everything else warm in the same way.
  const trader = await toSessionAccount({ client: publicClient, grants, signer: key, declaredTime: FIXED_DECLARED_TIME })
  await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: trader, calls: threeCalls() })
  const batch = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: trader, calls: threeCalls() })
  if (!batch.userOperation.signature.startsWith('0x80')) throw new Error('the batch was not sent in batch mode')
  cases.push(caseOf('batch/3-sessions-3-calls', '3 calls, each under its own recorded session, one batch userOp, steady', batch))
  cases.push({ id: 'batch/3-single-userops', title: 'the same 3 calls as 3 single-session userOps (sum), steady', gasUsed: singles, signatureBytes: 0 })

  // The same three calls under one session holding all three permissions (single-session format).
  const combined = await recorded('combined', [permissions.transfer, permissions.count, permissions.approve], transfer)
  const one = await toSessionAccount({ client: publicClient, grant: combined, signer: key, declaredTime: FIXED_DECLARED_TIME })
  await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: one, calls: threeCalls() })
  const oneSession = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: one, calls: threeCalls() })
  cases.push(caseOf('batch/1-session-3-calls', 'the same 3 calls under one recorded session with the 3 permissions, steady', oneSession))
  return cases
}
