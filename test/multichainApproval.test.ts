/**
 * One owner signature for many chains (issue 18, item 2): the owner approves a session on two chains (two
 * anvils of different chain ids, each with its own Alto) with one signature of a Merkle root; each chain's
 * first use carries its leaf's proof. An approval used on a chain outside its set, signed by another key, or on
 * an account without the module, is refused: by the SDK's precheck, and, sent by hand to handleOps, by the chain.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi } from '@latchkey/contracts'
import { checkValidationRules } from '@latchkey/devnet'
import {
  createMultichainSessionApproval,
  createSession,
  encodeExecute,
  erc7579ModuleConfigAbi,
  multichainApprovalInstallCall,
  permission,
  sendUserOperationAndWait,
  toLatchkeyAccount,
  toSessionAccount,
  type SessionGrant,
} from '@latchkey/sdk'
import { startOwnDevnet, useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { countData } from './fixtures/sessions.ts'

let chainA: DevnetFixture
let chainB: Awaited<ReturnType<typeof startOwnDevnet>>
before(async () => {
  chainA = await useDevnet()
  chainB = await startOwnDevnet({ chainId: 31_338 })
})
after(() => chainB?.stop())

const count = (on: DevnetFixture) => ({ to: on.contracts.demoCounter, data: countData })
const counted = (on: DevnetFixture, account: Hex) => on.publicClient.readContract({ address: on.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })

/** The owner's account on `on`, deployed, with the manager installed and (unless told not to) the multichain module. */
async function ownerAccountOn(on: DevnetFixture, owner: ReturnType<typeof privateKeyToAccount>, withModule = true) {
  const account = await toLatchkeyAccount({ client: on.publicClient, owner, factory: on.contracts.accountFactory })
  await on.fund(account.address, '1')
  const installManager = { to: account.address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, on.contracts.sessionKeyManager, '0x'] }) }
  await sendUserOperationAndWait(on.bundlerClient, { account, calls: [installManager, ...(withModule ? [multichainApprovalInstallCall(account.address, owner.address)] : [])] })
  return account
}

const counterSession = (key: Hex, on: DevnetFixture) =>
  createSession({ signer: key, validFor: 3600, permissions: [permission({ target: on.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })

/** The same grant, as if it were for `on` (an attacker replaying an approval there). */
const replayedOn = (grant: SessionGrant, on: DevnetFixture): SessionGrant => ({ ...grant, chainId: on.chainId })

describe('one owner signature approves a session on two chains', () => {
  it('both chains record and use it; the same address on both', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const key = privateKeyToAccount(generatePrivateKey())
    const [a, b] = [await ownerAccountOn(chainA, owner), await ownerAccountOn(chainB, owner)]
    assert.equal(a.address, b.address)
    let signatures = 0
    const counting = { ...owner, signTypedData: (async (typedData) => (signatures++, owner.signTypedData(typedData))) as typeof owner.signTypedData }
    const grants = await createMultichainSessionApproval({
      owner: counting,
      entries: [
        { client: chainA.publicClient, account: a.address, manager: chainA.contracts.sessionKeyManager, session: counterSession(key.address, chainA) },
        { client: chainB.publicClient, account: b.address, manager: chainB.contracts.sessionKeyManager, session: counterSession(key.address, chainB) },
      ],
    })
    assert.equal(signatures, 1, 'one owner signature')
    assert.deepEqual(grants.map((g) => g.chainId), [chainA.chainId, chainB.chainId])
    for (const [on, grant] of [[chainA, grants[0]!], [chainB, grants[1]!]] as const) {
      const user = await toSessionAccount({ client: on.publicClient, grant, signer: key })
      // The first use (enable mode: the manager asks the account's ERC-1271, which asks the module) keeps ERC-7562.
      const prepared = (await on.bundlerClient.prepareUserOperation({ account: user, calls: [count(on)] })) as UserOperation<'0.7'>
      assert.deepEqual(await checkValidationRules(on.publicClient, { userOperation: { ...prepared, signature: await user.signUserOperation(prepared) } }), [])
      await sendUserOperationAndWait(on.bundlerClient, { account: user, calls: [count(on)] })
      await sendUserOperationAndWait(on.bundlerClient, { account: user, calls: [count(on)] })
      assert.equal(await counted(on, a.address), 2n)
    }
  })

  it('an approval for chain A only, replayed on chain B: refused (SDK, then the chain by hand)', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const key = privateKeyToAccount(generatePrivateKey())
    const [a, b] = [await ownerAccountOn(chainA, owner), await ownerAccountOn(chainB, owner)]
    const session = counterSession(key.address, chainA)
    const [grantA] = await createMultichainSessionApproval({ owner, entries: [{ client: chainA.publicClient, account: a.address, manager: chainA.contracts.sessionKeyManager, session }] })
    const onB = replayedOn(grantA!, chainB)
    const user = await toSessionAccount({ client: chainB.publicClient, grant: onB, signer: key })
    await assert.rejects(sendUserOperationAndWait(chainB.bundlerClient, { account: user, calls: [count(chainB)] }), /approval|not-granted|AA2/i)
    const op = await sessionOpByHand(chainB, { grant: onB, signer: key, callData: encodeExecute([count(chainB)]), permissionIndices: [0], declaredTime: Number((await chainB.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(chainB, op), /SessionApprovalInvalid/)
    assert.equal(await counted(chainB, b.address), 0n)
    // On chain A it works.
    const userA = await toSessionAccount({ client: chainA.publicClient, grant: grantA!, signer: key })
    await sendUserOperationAndWait(chainA.bundlerClient, { account: userA, calls: [count(chainA)] })
    assert.equal(await counted(chainA, a.address), 1n)
  })

  it('signed by another key, or on an account without the module: refused on chain', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const key = privateKeyToAccount(generatePrivateKey())
    const b = await ownerAccountOn(chainB, owner)
    const stranger = privateKeyToAccount(generatePrivateKey())
    const session = counterSession(key.address, chainB)
    const [forged] = await createMultichainSessionApproval({ owner: stranger, entries: [{ client: chainB.publicClient, account: b.address, manager: chainB.contracts.sessionKeyManager, session }] })
    const forgedOp = await sessionOpByHand(chainB, { grant: forged!, signer: key, callData: encodeExecute([count(chainB)]), permissionIndices: [0], declaredTime: Number((await chainB.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(chainB, forgedOp), /SessionApprovalInvalid/)

    const other = privateKeyToAccount(generatePrivateKey())
    const bare = await ownerAccountOn(chainB, other, false)
    const [noModule] = await createMultichainSessionApproval({ owner: other, entries: [{ client: chainB.publicClient, account: bare.address, manager: chainB.contracts.sessionKeyManager, session }] })
    const bareOp = await sessionOpByHand(chainB, { grant: noModule!, signer: key, callData: encodeExecute([count(chainB)]), permissionIndices: [0], declaredTime: Number((await chainB.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(chainB, bareOp), /SessionApprovalInvalid/)
    assert.equal(await counted(chainB, b.address), 0n)
    assert.equal(await counted(chainB, bare.address), 0n)
  })
})
