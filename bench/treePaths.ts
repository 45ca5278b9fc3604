/**
 * How a root-mode session's use grows with the tree: the same steady session ERC-20 transfer (no policy) from
 * a tree of 1 (depth 0), a real tree of 2^10 sessions (depth 10), and a proof of depth 20 (2^20 leaves).
 * The depth-20 proof is real (the manager hashes 20 levels up to the root it stores) but the tree is not
 * materialised: the 20 siblings are fixed random hashes, and the root is computed from the leaf and them.
 */
import { encodeFunctionData, erc20Abi, keccak256, parseUnits, slice, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  buildSessionTree,
  createSession,
  erc7579ModuleConfigAbi,
  permission,
  sendUserOperationAndWait,
  sessionDigest,
  sessionRootFromProof,
  toSessionAccount,
  type SessionGrant,
} from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

export async function measureTreePaths(target: MeasureTarget): Promise<GasCase[]> {
  const { demoToken: token, sessionKeyManager: manager } = target.contracts
  const cases: GasCase[] = []
  const { publicClient, bundler, account } = await benchAccount(target, 'c4', (address) => [
    { to: address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) },
  ])
  const key = privateKeyToAccount(`0x${'e4'.repeat(32)}`)
  const sessionAt = (i: number) =>
    createSession({
      signer: key.address,
      validAfter: 0,
      validUntil: 4_000_000_000,
      salt: benchSalt(`tree/${i}`),
      // No gas policy, explicitly: these cases measure sessions without one (the SDK's default adds GasPolicy; see policy/default-gas-bounds).
      gas: 'unbounded',
      permissions: [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })],
    })
  let fresh = 0
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex(`tree/recipient/${fresh++}`)), 12), parseUnits('1', 6)] }) })

  async function measure(depth: number, label: string, root: Hex, proof: Hex[], index: number) {
    await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account, calls: [{ to: manager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [root] }) }] })
    const session = sessionAt(index)
    const grant: SessionGrant = { chainId: target.chain.id, account: account.address, manager, session, digest: sessionDigest(session), grant: { type: 'root', root, proof } }
    const user = await toSessionAccount({ client: publicClient, grant, signer: key, declaredTime: FIXED_DECLARED_TIME })
    await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
    const steady = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
    cases.push(caseOf(`tree/depth-${depth}`, `session ERC-20 transfer, root mode, ${label}, steady`, steady))
  }

  const alone = sessionDigest(sessionAt(0))
  await measure(0, 'tree of 1 (depth 0)', buildSessionTree([alone]).root, [], 0)
  const digests = Array.from({ length: 1024 }, (_, i) => sessionDigest(sessionAt(i)))
  const tree = buildSessionTree(digests)
  await measure(10, 'real tree of 2^10 sessions (depth 10)', tree.root, tree.proof(digests[777]!), 777)
  const siblings = Array.from({ length: 20 }, (_, i) => keccak256(stringToHex(`tree/sibling/${i}`)))
  const deep = sessionDigest(sessionAt(2_000_000))
  await measure(20, 'proof of depth 20 (2^20 leaves; siblings random, tree not materialised)', sessionRootFromProof(deep, siblings), siblings, 2_000_000)
  return cases
}
