/**
 * Gas of the owner's session operations (owner userOps, built-in owner path, steady nonce key): installing
 * the SessionKeyManager alone, granting 1 and 100 sessions by Merkle root once it is installed (one root
 * either way), revoking one session; and a session's native transfer (any target, value bounded).
 */
import { encodeFunctionData, erc20Abi, keccak256, parseEther, slice, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { buildSessionTree, createSession, erc7579ModuleConfigAbi, permission, sendUserOperationAndWait, sessionDigest, toSessionAccount, type Call } from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

export async function measureGrantPaths(target: MeasureTarget): Promise<GasCase[]> {
  const { demoToken: token, sessionKeyManager: manager } = target.contracts
  const cases: GasCase[] = []
  const { publicClient, bundler, account } = await benchAccount(target, 'c5')
  const owner = (calls: Call[]) => sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls })
  const key = privateKeyToAccount(`0x${'e5'.repeat(32)}`)
  const sessions = Array.from({ length: 100 }, (_, i) =>
    createSession({
      signer: key.address,
      validAfter: 0,
      validUntil: 4_000_000_000,
      salt: benchSalt(`grant/${i}`),
      // No gas policy, explicitly: these cases measure sessions without one (the SDK's default adds GasPolicy; see policy/default-gas-bounds).
      gas: 'unbounded',
      permissions: [i === 0 ? permission({ target: 'any', valueLimit: parseEther('0.01') }) : permission({ target: token, abi: erc20Abi, functionName: 'transfer' })],
    }),
  )
  const digests = sessions.map(sessionDigest)
  const setRoot = (root: Hex): Call => ({ to: manager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [root] }) })

  await owner([{ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [account.address, 0n] }) }]) // the owner's nonce key warm
  const install = await owner([{ to: account.address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) }])
  cases.push(caseOf('grant/install-manager', 'install the SessionKeyManager (no root), owner userOp', install))
  // The first root ever written costs a zero-to-non-zero store; a grant usually replaces a root.
  const first = await owner([setRoot(`${keccak256(stringToHex("grant/first root")).slice(0, -2)}00` as Hex)]) // a root ends in a zero byte
  cases.push(caseOf('grant/root-first', 'grant sessions by Merkle root, the account\'s first root (manager installed), owner userOp', first))
  const one = buildSessionTree(digests.slice(0, 1))
  const grantOne = await owner([setRoot(one.root)])
  cases.push(caseOf('grant/root-1-session', 'grant 1 session by Merkle root, replacing the root, owner userOp', grantOne))
  const hundred = buildSessionTree(digests)
  const grantHundred = await owner([setRoot(hundred.root)])
  cases.push(caseOf('grant/root-100-sessions', 'grant 100 sessions by Merkle root, replacing the root, owner userOp', grantHundred))

  // Session 0 of the hundred: ETH to anyone, at most 0.01 per call (any target: the manager asks the account whether the target is an installed module).
  const grant = { chainId: target.chain.id, account: account.address, manager, session: sessions[0]!, digest: digests[0]!, grant: { type: 'root' as const, root: hundred.root, proof: hundred.proof(digests[0]!) } }
  const payer = await toSessionAccount({ client: publicClient, grant, signer: key, declaredTime: FIXED_DECLARED_TIME })
  let fresh = 0
  const pay = () => ({ to: slice(keccak256(stringToHex(`grant/recipient/${fresh++}`)), 12), value: 1n })
  await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: payer, calls: [pay()] })
  const native = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: payer, calls: [pay()] })
  cases.push(caseOf('grant/session-native-transfer-any-target', 'session ETH transfer to a fresh address, any-target permission, root mode (tree of 100), steady', native))

  const revoke = await owner([{ to: manager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeSessions', args: [[digests[1]!]] }) }])
  cases.push(caseOf('grant/revoke-one', 'revoke 1 session, owner userOp', revoke))
  return cases
}
