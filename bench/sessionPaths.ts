/**
 * Gas of session-key userOps, with the method in BENCHMARKS.md (steady: the session's nonce key was used
 * before and the session is not on its first use; ERC-20 transfer to a fresh recipient).
 */
import { encodeFunctionData, erc20Abi, keccak256, parseUnits, slice, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSession, createSessionApproval, grantSessions, permission, sendUserOperationAndWait, toSessionAccount } from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

/** A fixed declared time: the sessions here have no periodic limit, and fixed times keep signatures (and so calldata gas) identical between runs. */
export const FIXED_DECLARED_TIME = 1_800_000_000

export async function measureSessionPaths(target: MeasureTarget): Promise<GasCase[]> {
  const token = target.contracts.demoToken
  const manager = target.contracts.sessionKeyManager
  const cases: GasCase[] = []
  const { publicClient, bundler, account } = await benchAccount(target, 'c1')
  let recipients = 0
  const fresh = () => slice(keccak256(stringToHex(`session/recipient/${recipients++}`)), 12)
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [fresh(), parseUnits('1', 6)] }) })
  // Fixed keys and salts: the same signatures and calldata in every run.
  const sessionFor = (keyByte: string, salt: Hex) =>
    createSession({
      signer: privateKeyToAccount(`0x${keyByte.repeat(32)}`).address,
      validAfter: 0,
      validUntil: 4_000_000_000,
      salt,
      permissions: [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })],
      // No gas policy, explicitly: these cases measure sessions without one (the SDK's default adds GasPolicy; see policy/default-gas-bounds).
      gas: 'unbounded',
    })

  // Root mode: a tree of one session.
  const rootKey = privateKeyToAccount(`0x${'d1'.repeat(32)}`)
  const rootSession = sessionFor('d1', benchSalt('root session'))
  const granted = await grantSessions(bundler, { fees: BENCH_FEES, account, manager, sessions: [rootSession] })
  cases.push(caseOf('session/grant-root-with-install', 'grant 1 session by root, installing the manager (owner userOp)', granted.receipt))
  const rootUser = await toSessionAccount({ client: publicClient, grant: granted.grants[0]!, signer: rootKey, declaredTime: FIXED_DECLARED_TIME })
  const firstRoot = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: rootUser, calls: [transfer()] })
  cases.push(caseOf('session/root-first-use', "session ERC-20 transfer, root mode, the holder's first use (new nonce sequence)", firstRoot))
  const steadyRoot = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: rootUser, calls: [transfer()] })
  cases.push(caseOf('session/root-steady-erc20-transfer', 'session ERC-20 transfer, root mode (tree of 1), steady', steadyRoot))

  // Approval mode: the first use records the session; later uses name the record.
  const approvedKey = privateKeyToAccount(`0x${'d2'.repeat(32)}`)
  const approvedSession = sessionFor('d2', benchSalt('approved session'))
  const grant = await createSessionApproval({ account, manager, session: approvedSession })
  const approvedUser = await toSessionAccount({ client: publicClient, grant, signer: approvedKey, declaredTime: FIXED_DECLARED_TIME })
  const enable = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: approvedUser, calls: [transfer()] })
  cases.push(caseOf('session/enable-and-use', 'session ERC-20 transfer, first use with the owner approval (records it)', enable))
  const steadyRecorded = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: approvedUser, calls: [transfer()] })
  cases.push(caseOf('session/recorded-steady-erc20-transfer', 'session ERC-20 transfer, recorded session, steady', steadyRecorded))

  // A second session of the root session's holder: its nonce sequence exists (one per holder), so the first
  // use records the session without starting a new sequence.
  const secondSession = sessionFor('d1', benchSalt('second session of the root holder'))
  const secondGrant = await createSessionApproval({ account, manager, session: secondSession })
  const secondUser = await toSessionAccount({ client: publicClient, grant: secondGrant, signer: rootKey, declaredTime: FIXED_DECLARED_TIME })
  const secondEnable = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: secondUser, calls: [transfer()] })
  cases.push(caseOf('session/enable-and-use-known-holder', "session ERC-20 transfer, first use with the owner approval (records it), a holder's second session (its nonce sequence exists)", secondEnable))

  // A new root-mode session of the same holder (the root replaced by a tree of one): its first use, beside
  // root-steady-erc20-transfer, is what a granted session's first use costs once its holder has a sequence.
  const thirdSession = sessionFor('d1', benchSalt('third session of the root holder'))
  const regranted = await grantSessions(bundler, { fees: BENCH_FEES, account, manager, sessions: [thirdSession] })
  const thirdUser = await toSessionAccount({ client: publicClient, grant: regranted.grants[0]!, signer: rootKey, declaredTime: FIXED_DECLARED_TIME })
  const thirdFirst = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: thirdUser, calls: [transfer()] })
  cases.push(caseOf('session/root-first-use-known-holder', "session ERC-20 transfer, root mode (tree of 1), first use of a holder's new session (its nonce sequence exists)", thirdFirst))
  return cases
}
