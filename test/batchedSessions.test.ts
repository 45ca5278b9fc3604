/**
 * Batched sessions (docs/sessions.md §6, mode 0x80) through the real bundler: one userOp whose calls each
 * use their own session (and policy), one signer, one signature; grants of all three kinds in one op.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { parseGwei, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { entryPoint07Address, getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { demoNftAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  chainFees,
  checkSessionCall,
  createSession,
  erc20Policy,
  gasPolicy,
  grantSessions,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  SessionGasRefusedError,
  SessionNotUsableError,
  toSessionAccount,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { approveCall, mintCall, mixedGrantTrader, swapCall } from './fixtures/batchSessions.ts'
import { balanceOf, erc20Call, prepareWithFixedGas } from './fixtures/policySessions.ts'
import { countData, counterSession, deployedOwnerAccount, sendRaw } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

describe('each call under its own session', () => {
  it('approve (root grant), swap (recorded) and mint (enabled in this op) in one userOp, one signature', async () => {
    const { owner, key, grants } = await mixedGrantTrader(devnet)
    const trader = await toSessionAccount({ client: devnet.publicClient, grants: [grants.token, grants.swap, grants.mint], signer: key })
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, {
      account: trader,
      calls: [approveCall(devnet, 100_000000n), swapCall(devnet, owner.address, 100_000000n), mintCall(devnet, owner.address)],
    })
    assert.equal(userOperation.signature.slice(0, 6), '0x8003') // batch mode, three sessions
    assert.equal(await balanceOf(devnet, devnet.contracts.demoWeth, owner.address), 25_000n)
    assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.demoNft, abi: demoNftAbi, functionName: 'balanceOf', args: [owner.address] }), 1n)
    const [status, current] = await devnet.publicClient.readContract({
      address: devnet.contracts.sessionKeyManager,
      abi: sessionKeyManagerAbi,
      functionName: 'sessionRecord',
      args: [owner.address, grants.mint.digest],
    })
    assert.deepEqual([status, current], [1, true]) // the mint session's first use recorded it
  })
})

describe('calls no session allows', () => {
  it('names the call and every session\'s reason, and sends nothing', async () => {
    const { owner, key, grants } = await mixedGrantTrader(devnet)
    const trader = await toSessionAccount({ client: devnet.publicClient, grants: [grants.token, grants.swap, grants.mint], signer: key })
    const nonce = await trader.getNonce()
    const elsewhere = swapCall(devnet, devnet.contracts.demoNft, 1n) // a swap paying someone else
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: trader, calls: [approveCall(devnet, 1n), elsewhere] }),
      (error: unknown) => {
        assert.ok(error instanceof SessionCallRefusedError, String(error))
        assert.equal(error.callIndex, 1)
        assert.equal(error.rule, 'policy') // the swap session's policy says more than the others' targets
        assert.equal(error.sessionDigest, grants.swap.digest)
        assert.match(error.message, /No session of the 3 allows call 1: /)
        assert.match(error.reason, /every session's reason below/)
        const details = error.metaMessages?.join('\n') ?? ''
        for (const index of [0, 1, 2]) assert.match(details, new RegExp(`session ${index} \\(`))
        return true
      },
    )
    assert.equal(await trader.getNonce(), nonce)
    // The same verdict without signing anything; and the allowed calls get their sessions.
    const refused = await checkSessionCall(devnet.publicClient, { grants: [grants.token, grants.swap, grants.mint], calls: [approveCall(devnet, 1n), elsewhere] })
    assert.ok(!refused.ok && refused.callIndex === 1 && refused.rule === 'policy', JSON.stringify(refused))
    const allowed = await checkSessionCall(devnet.publicClient, {
      grants: [grants.token, grants.swap, grants.mint],
      calls: [mintCall(devnet, owner.address), approveCall(devnet, 1n), swapCall(devnet, owner.address, 1n)],
    })
    assert.deepEqual(allowed, { ok: true, sessionIndices: [2, 0, 1], permissionIndices: [0, 0, 0] })
  })

  it('refuses sessions of different signers, or of another account, before anything is signed', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const a = counterSession(devnet)
    const b = counterSession(devnet)
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [a.session, b.session] })
    await assert.rejects(
      toSessionAccount({ client: devnet.publicClient, grants, signer: a.key }),
      /Session 1 .* has another signer than the key: one userOp carries one signature/,
    )
    const other: SessionGrant = { ...grants[0]!, account: devnet.contracts.demoCounter }
    await assert.rejects(toSessionAccount({ client: devnet.publicClient, grants: [grants[0]!, other], signer: a.key }), /another signer|another account/)
    await assert.rejects(toSessionAccount({ client: devnet.publicClient, grants: [grants[0]!, grants[0]!], signer: a.key }), /given twice/)
  })
})

/** The validation data the manager returns for `op`, read by an eth_call from the account. */
async function validationDataOf(account: Address, op: UserOperation<'0.7'>) {
  const userOpHash = getUserOperationHash({ chainId: devnet.chain.id, entryPointAddress: entryPoint07Address, entryPointVersion: '0.7', userOperation: op })
  const { result } = await devnet.publicClient.simulateContract({
    account,
    address: devnet.contracts.sessionKeyManager,
    abi: sessionKeyManagerAbi,
    functionName: 'validateUserOp',
    args: [toPackedUserOperation(op), userOpHash],
  })
  return { failed: (result & ((1n << 160n) - 1n)) !== 0n, validUntil: Number((result >> 160n) & 0xffffffffffffn), validAfter: Number(result >> 208n) }
}

describe('windows', () => {
  it('are intersected: the latest validAfter, the earliest validUntil; an op with a session not yet valid is not due', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const now = Number((await devnet.publicClient.getBlock()).timestamp)
    const early = counterSession(devnet, { validAfter: now - 600, validUntil: now + 7200 }, key).session
    const late = createSession({
      signer: key.address,
      validAfter: now - 300,
      validUntil: now + 3600,
      permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [owner.address], total: 10n })],
    })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [early, late] })
    const both = await toSessionAccount({ client: devnet.publicClient, grants, signer: key })
    const calls = [{ to: devnet.contracts.demoCounter, data: countData }, erc20Call(devnet.contracts.demoToken, 'approve', [owner.address, 1n])]
    const prepared = (await devnet.bundlerClient.prepareUserOperation({ account: both, calls })) as UserOperation<'0.7'>
    const op = { ...prepared, signature: await both.signUserOperation(prepared) }
    assert.deepEqual(await validationDataOf(owner.address, op), { failed: false, validAfter: now - 300, validUntil: now + 3600 })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: both, calls })

    // A third session that starts in an hour: the SDK refuses it; sent anyway, the op is not due (AA22).
    const future = createSession({ signer: key.address, validAfter: now + 3600, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoWeth, recipients: [owner.address], total: 10n })] })
    const withFuture = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [early, late, future] })
    const wethCall = erc20Call(devnet.contracts.demoWeth, 'approve', [owner.address, 1n])
    const checked = await toSessionAccount({ client: devnet.publicClient, grants: withFuture.grants, signer: key })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [calls[0]!, wethCall] }), (error: unknown) => {
      assert.ok(error instanceof SessionNotUsableError || error instanceof SessionCallRefusedError, String(error))
      assert.match(String(error), /valid from/)
      return true
    })
    const unchecked = await toSessionAccount({ client: devnet.publicClient, grants: withFuture.grants, signer: key, precheck: false })
    const draft = await prepareWithFixedGas(devnet, unchecked, [calls[0]!, wethCall])
    const signed = { ...draft, signature: await unchecked.signUserOperation(draft) }
    assert.deepEqual(await validationDataOf(owner.address, signed), { failed: false, validAfter: now + 3600, validUntil: now + 7200 })
    await assert.rejects(sendRaw(devnet, signed), /AA22/)
  })
})

describe('gas policies', () => {
  it('every session the op uses has its gas policy see the op', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    // A fee cap above what the chain needs now (a lower one is refused at grant; the shared devnet's suggested
    // priority fee follows the tips just paid, about doubling after each op), and a fee above it.
    const now = await chainFees(devnet.publicClient)
    const cap = 4n * now.neededFeePerGas
    const cheap = counterSession(devnet, { gas: gasPolicy({ maxFeePerGas: cap }) }, key).session
    const spend = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [owner.address], total: 10n })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [spend, cheap] })
    const account = await toSessionAccount({ client: devnet.publicClient, grants, signer: key })
    const calls = [erc20Call(devnet.contracts.demoToken, 'approve', [owner.address, 1n]), { to: devnet.contracts.demoCounter, data: countData }]
    const fees = { maxFeePerGas: cap + parseGwei('1'), maxPriorityFeePerGas: now.maxPriorityFeePerGas }
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account, calls, fees }), (error: unknown) => {
      assert.ok(error instanceof SessionGasRefusedError, String(error))
      assert.equal(error.sessionDigest, grants[1]!.digest)
      return true
    })
    // Without the counter call only the spend session (the default gas bounds, far above this fee) is used: the same fee passes.
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [calls[0]!], fees })
  })
})
