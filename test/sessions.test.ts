/**
 * Session keys end to end through the real bundler: both grant paths, use, refusal, revocation,
 * expiry, and the wrong-signer / wrong-proof / wrong-chain / wrong-account cases.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseEther, toFunctionSelector, zeroHash, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  buildSessionTree,
  createSessionApproval,
  encodeSessionSignature,
  getSessionStatus,
  getSessions,
  MemorySessionStore,
  grantSessions,
  parseSessionGrant,
  revokeSessions,
  sendUserOperationAndWait,
  serializeSessionGrant,
  sessionSigningHash,
  sessionDigest,
  SessionCallRefusedError,
  SessionNotUsableError,
  toSessionAccount,
  UserOperationValidationError,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { counterSession, countData, deployedOwnerAccount, refuseData, sendRaw } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const counted = (account: Hex) =>
  devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })

const rejectedOnChain = (rule: string) => (error: unknown) => {
  assert.ok(error instanceof UserOperationValidationError, String(error))
  assert.match(error.reason, new RegExp(rule), error.reason)
  return true
}

describe('grant by Merkle root', () => {
  it('installs the manager and sets the root in one owner userOp; the session key then acts alone', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { key, session } = counterSession(devnet)
    const { grants, root } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [owner.address] }), root)

    // The grant travels as JSON (to a bot, a server); the key travels separately.
    const { grant } = parseSessionGrant(serializeSessionGrant(grants[0]!))
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    assert.equal(sessionAccount.address, owner.address)
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    assert.equal(await counted(owner.address), 2n)
    assert.equal(userOperation.signature.slice(0, 4), '0x00') // root mode
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grant]), ['active'])
    const store = new MemorySessionStore()
    await store.save({ grant })
    const listed = await getSessions(devnet.publicClient, { store, account: owner.address })
    assert.deepEqual(listed.map((s) => [s.grant.digest, s.status]), [[grant.digest, 'active']])
    assert.deepEqual(await getSessions(devnet.publicClient, { store, account: devnet.contracts.demoCounter }), [])
  })

  it('refuses an out-of-scope call off chain, naming the rule, and sends nothing', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { key, session } = counterSession(devnet)
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key })
    const nonceBefore = await sessionAccount.getNonce()
    for (const [calls, rule] of [
      [[{ to: devnet.contracts.demoCounter, data: refuseData(1n) }], 'selector'],
      [[{ to: devnet.contracts.demoToken, data: countData }], 'target'],
      [[{ to: devnet.contracts.demoCounter, data: countData, value: parseEther('1') }], 'value'],
      [[{ to: owner.address, data: '0x' as Hex }], 'forbidden-target'],
    ] as const) {
      await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls }), (error: unknown) => {
        assert.ok(error instanceof SessionCallRefusedError, String(error))
        assert.equal(error.rule, rule)
        assert.equal(error.sessionDigest, grants[0]!.digest)
        return true
      })
    }
    assert.equal(await sessionAccount.getNonce(), nonceBefore)
    assert.equal(await counted(owner.address), 1n)
  })

  it('uses one session out of a root of 1,000', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const sessions = Array.from({ length: 1000 }, () => counterSession(devnet, {}, key).session)
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions })
    assert.equal(grants[777]!.grant.type === 'root' && grants[777]!.grant.proof.length, 10)
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[777]!, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    assert.equal(await counted(owner.address), 2n)
  })

  it('refuses a wrong proof and a session signed by another key', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { key, session } = counterSession(devnet)
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session, counterSession(devnet).session] })
    const grant = grants[0]!
    // A proof from another tree.
    const other = buildSessionTree([grant.digest, sessionDigest(counterSession(devnet).session)])
    const badProof: SessionGrant = { ...grant, grant: { type: 'root', root: other.root, proof: other.proof(grant.digest) } }
    const noCheck = await toSessionAccount({ client: devnet.publicClient, grant: badProof, signer: key, precheck: false })
    await assert.rejects(
      devnet.bundlerClient.prepareUserOperation({ account: noCheck, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }),
      rejectedOnChain('SessionNotGranted'),
    )
    // The right session and proof, signed by a stranger's key: a bad signature (AA24).
    const stranger = privateKeyToAccount(generatePrivateKey())
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const hash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: op })
    const now = Math.floor(Date.now() / 1000)
    const forged = encodeSessionSignature(grant, 'root', [0], now, await stranger.signMessage({ message: { raw: sessionSigningHash(hash, grant.digest, [0], now) } }))
    await assert.rejects(sendRaw(devnet, { ...op, signature: forged }), /AA24/)
    assert.equal(await counted(owner.address), 1n)
  })
})

describe('the root slot: a 31-byte root and the flag "revoked one by one"', () => {
  const manager = () => devnet.contracts.sessionKeyManager
  const rootOf = (account: Hex) => devnet.publicClient.readContract({ address: manager(), abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] })

  it('refuses a root whose last byte is not zero (SessionRootMalformed), changing nothing', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { grants: [grant] } = await grantSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [counterSession(devnet).session] })
    assert.equal(grant!.grant.type === 'root' && grant!.grant.root.endsWith('00'), true)
    const bad = `${grant!.grant.type === 'root' ? grant!.grant.root.slice(0, -2) : ''}01` as Hex
    const setRoot = { to: manager(), data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [bad] }) }
    // The owner's op reverts in the manager's call; the bundler reports the error's selector.
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [setRoot] }), new RegExp(toFunctionSelector('SessionRootMalformed(bytes32)')))
    assert.equal(await rootOf(owner.address), grant!.grant.type === 'root' ? grant!.grant.root : zeroHash)
  })

  it('revoking an empty list sets no flag: a root-mode use still reads one slot (its validation costs the same after)', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { key, session } = counterSession(devnet)
    const { grants: [grant] } = await grantSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [session] })
    // A fixed declared time: both signatures have the same bytes but for the signature itself (a declared time
    // read from the clock could gain a non-zero byte between the two, 12 gas of calldata).
    const declaredTime = Number((await devnet.publicClient.getBlock()).timestamp)
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grant!, signer: key, declaredTime })
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const validationGas = async () => {
      const userOpHash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: op })
      const data = encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'validateUserOp', args: [toPackedUserOperation({ ...op, signature: await sessionAccount.signUserOperation(op) }), userOpHash] })
      return devnet.publicClient.estimateGas({ account: owner.address, to: manager(), data })
    }
    const before = await validationGas()
    const revokeNothing = { to: manager(), data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeSessions', args: [[]] }) }
    await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [revokeNothing] })
    assert.equal(await validationGas(), before)
  })

  it('a session revoked one by one stays revoked under a later root that holds it again; the others keep working', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const a = counterSession(devnet)
    const b = counterSession(devnet)
    await grantSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [a.session, b.session] })
    await revokeSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [sessionDigest(a.session)] })
    // A new root with both again (and a third session): the revocation of A still holds, B and C work.
    const c = counterSession(devnet)
    const { grants: [grantA, grantB, grantC] } = await grantSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [a.session, b.session, c.session] })
    const rawA = await toSessionAccount({ client: devnet.publicClient, grant: grantA!, signer: a.key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: rawA, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionIsRevoked'))
    for (const [grant, key] of [[grantB!, b.key], [grantC!, c.key]] as const) {
      await sendUserOperationAndWait(devnet.bundlerClient, { account: await toSessionAccount({ client: devnet.publicClient, grant, signer: key }), calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    }
    assert.equal(await counted(owner.address), 3n)
    // Revoking all clears the root but not the flag: after a new root, A is still revoked.
    await revokeSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: 'all' })
    assert.equal(await rootOf(owner.address), zeroHash)
    const { grants: [againA] } = await grantSessions(devnet.bundlerClient, { account: owner, manager: manager(), sessions: [a.session] })
    const rawAgain = await toSessionAccount({ client: devnet.publicClient, grant: againA!, signer: a.key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: rawAgain, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionIsRevoked'))
  })
})

describe('grant by owner approval (enable in the first use)', () => {
  async function accountWithManager() {
    const owner = await deployedOwnerAccount(devnet)
    // The manager is installed once (an empty root); approvals then need no transaction.
    await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [counterSession(devnet).session] })
    return owner
  }

  it('records the session on its first use and uses the record afterwards', async () => {
    const owner = await accountWithManager()
    const { key, session } = counterSession(devnet)
    const grant = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    const first = await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    assert.equal(first.userOperation.signature.slice(0, 4), '0x01')
    const [status, current] = await devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'sessionRecord', args: [owner.address, grant.digest] })
    assert.deepEqual([status, current], [1, true])
    const second = await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    assert.equal(second.userOperation.signature.slice(0, 4), '0x02')
    assert.ok(second.userOperation.signature.length < first.userOperation.signature.length)
    assert.equal(await counted(owner.address), 3n)
  })

  it('after a revoke, neither the record nor a replay of the approval works (attack 5)', async () => {
    const owner = await accountWithManager()
    const { key, session } = counterSession(devnet)
    const grant = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    await revokeSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [grant.digest] })

    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }),
      (error: unknown) => error instanceof SessionNotUsableError && error.rule === 'revoked',
    )
    // Bypass the SDK and replay the approval (mode 0x01): the chain refuses.
    const raw = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: raw, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionIsRevoked'))
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grant]), ['revoked'])
    assert.equal(await counted(owner.address), 2n)
  })

  it('revoking one session leaves another approval usable; revoking all voids every approval and the root', async () => {
    const owner = await accountWithManager()
    const a = counterSession(devnet)
    const b = counterSession(devnet)
    const c = counterSession(devnet)
    const grantA = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session: a.session })
    const grantB = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session: b.session })
    const { grants: [grantC] } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [c.session] })
    await revokeSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [grantA.digest] })
    const useB = await toSessionAccount({ client: devnet.publicClient, grant: grantB, signer: b.key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: useB, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })

    await revokeSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: 'all' })
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grantA, grantB, grantC!]), ['revoked', 'not-granted', 'not-granted'])
    // B's record is from the old epoch, so the SDK falls back to its approval, which names the old epoch.
    const rawB = await toSessionAccount({ client: devnet.publicClient, grant: grantB, signer: b.key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: rawB, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionApprovalInvalid'))
    const rawC = await toSessionAccount({ client: devnet.publicClient, grant: grantC!, signer: c.key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: rawC, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionNotGranted'))
    // An approval made before revoke-all, never used: unusable too (it names the old epoch).
    const d = counterSession(devnet)
    const stale = { ...(await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session: d.session })) }
    assert.equal(stale.grant.type === 'approval' && stale.grant.epoch, 1n)
    assert.equal(await counted(owner.address), 2n)
  })

  it('refuses an approval used on another account of the same owner, or signed by another key (attack 6)', async () => {
    const owner = await accountWithManager()
    const otherOwner = await accountWithManager()
    const { key, session } = counterSession(devnet)
    const grant = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session })
    const moved: SessionGrant = { ...grant, account: otherOwner.address }
    const raw = await toSessionAccount({ client: devnet.publicClient, grant: moved, signer: key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: raw, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionApprovalInvalid'))
    // Approved by a key that does not own the account.
    const impostor = await toSessionAccountOwnerImpostor(grant)
    const rawImpostor = await toSessionAccount({ client: devnet.publicClient, grant: impostor, signer: key, precheck: false })
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: rawImpostor, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), rejectedOnChain('SessionApprovalInvalid'))
    assert.equal(await counted(otherOwner.address), 1n)
    assert.equal(await counted(owner.address), 1n)
  })

  it('refuses a session grant or a session signature made for another chain (attack 6)', async () => {
    const owner = await accountWithManager()
    const { key, session } = counterSession(devnet)
    const grant = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session })
    await assert.rejects(toSessionAccount({ client: devnet.publicClient, grant: { ...grant, chainId: 1 }, signer: key }), /for chain 1/)
    // The session signer signs the userOp for chain 1: the signature fails here.
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const otherChainHash = getUserOperationHash({ chainId: 1, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: op })
    const now = Math.floor(Date.now() / 1000)
    const signature = encodeSessionSignature(grant, 'enable', [0], now, await key.signMessage({ message: { raw: sessionSigningHash(otherChainHash, grant.digest, [0], now) } }))
    await assert.rejects(sendRaw(devnet, { ...op, signature }), /AA24/)
    assert.equal(await counted(owner.address), 1n)
  })
})

/** The same approval re-signed by a key that does not own the account. */
async function toSessionAccountOwnerImpostor(grant: SessionGrant): Promise<SessionGrant> {
  const { sessionApprovalTypedData } = await import('@latchkey/sdk')
  const { signTypedData } = await import('viem/experimental/erc7739')
  const stranger = privateKeyToAccount(generatePrivateKey())
  const typedData = sessionApprovalTypedData(devnet.chainId, grant.manager, grant.account, 0n, grant.session)
  const approval = await signTypedData(devnet.publicClient, {
    account: stranger,
    ...typedData,
    verifierDomain: { name: 'LatchkeyAccount', version: '1', chainId: devnet.chainId, verifyingContract: grant.account, salt: zeroHash },
  } as never)
  return { ...grant, grant: { type: 'approval', epoch: 0n, approval } }
}

describe('session windows', () => {
  it('is refused before validAfter (off chain) and by the chain when the check is skipped', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const now = Math.floor(Date.now() / 1000)
    const { key, session } = counterSession(devnet, { validAfter: now + 3600, validUntil: now + 7200 })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key })
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }),
      (error: unknown) => error instanceof SessionNotUsableError && error.rule === 'not-yet-valid',
    )
    assert.deepEqual(await getSessionStatus(devnet.publicClient, grants), ['pending'])
  })

  it('expires: used inside a short real window through Alto, refused after it (Alto checks the wall clock)', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { key, session } = counterSession(devnet, { validUntil: Math.floor(Date.now() / 1000) + 25 })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    await new Promise((r) => setTimeout(r, Math.max(0, (session.validUntil + 1) * 1000 - Date.now())))
    await devnet.fund(devnet.testKeys[4]!.address, '0.001') // a new block, so the chain's clock moves past validUntil
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: sessionAccount, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }),
      (error: unknown) => error instanceof SessionNotUsableError && error.rule === 'expired',
    )
    // Skipping the SDK check: the bundler refuses the expired window (AA22 or its own expiry check).
    const raw = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key, precheck: false })
    const op = await devnet.bundlerClient.prepareUserOperation({
      account: raw,
      calls: [{ to: devnet.contracts.demoCounter, data: countData }],
      callGasLimit: 100_000n,
      verificationGasLimit: 300_000n,
      preVerificationGas: 80_000n,
    })
    await assert.rejects(sendRaw(devnet, { ...(op as UserOperation<'0.7'>), signature: await raw.signUserOperation(op as UserOperation<'0.7'>) }), /AA22|expire/i)
    assert.deepEqual(await getSessionStatus(devnet.publicClient, grants), ['expired'])
    assert.equal(await counted(owner.address), 2n)
  })
})

