/**
 * A session's holder renounces it (issue 18, item 5; Coinbase's `revokeAsSpender`), and `getRemainingAllowance`
 * answers what a session has left and when it refills. The renounce is a transaction anyone may send, signed by
 * the session's signer; the wrong ones are sent by hand, straight to the manager.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError, createWalletClient, decodeErrorResult, encodeFunctionData, erc20Abi, http, keccak256, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoCounterAbi, demoTokenAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  createSession,
  createSessionApproval,
  encodeExecute,
  encodeSession,
  erc20Policy,
  getRemainingAllowance,
  getSessionStatus,
  grantSessions,
  permission,
  renounceSession,
  renounceSessionCall,
  sendUserOperationAndWait,
  SessionNotUsableError,
  sessionRenounceHash,
  toSessionAccount,
  webCryptoSessionSigner,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

/** A funded EOA that sends renounces for others (the holder's own, or a relayer). */
async function relayer() {
  const account = privateKeyToAccount(generatePrivateKey())
  await devnet.fund(account.address, '0.1')
  return createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account })
}

const counterPermission = () => permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })

/** The manager's error for a call sent to it (simulated from `from`), by name. */
async function managerRefusal(from: Hex, data: Hex): Promise<string> {
  try {
    await devnet.publicClient.call({ account: from, to: devnet.contracts.sessionKeyManager, data })
  } catch (error) {
    const raw = error instanceof BaseError ? (error.walk((e) => typeof (e as { data?: unknown }).data === 'string') as { data?: Hex } | null)?.data : undefined
    if (!raw) throw error
    return decodeErrorResult({ abi: sessionKeyManagerAbi, data: raw }).errorName
  }
  return 'accepted'
}

async function assertUseRefused(grant: SessionGrant, account: Awaited<ReturnType<typeof toSessionAccount>>) {
  await assert.rejects(
    sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }),
    (error: unknown) => error instanceof SessionNotUsableError && error.rule === 'revoked' && error.sessionDigest === grant.digest,
  )
}

describe('renouncing a session (the holder gives it up)', () => {
  it('a root-granted session, renounced through a relayer: revoked on chain and off, its allowance 0', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const session = createSession({ signer: key.address, validFor: 3600, permissions: [counterPermission()] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const grant = grants[0]!
    const account = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })

    const receipt = await renounceSession(await relayer(), { grant, signer: key, chainClient: devnet.publicClient })
    assert.equal(receipt.status, 'success')
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grant]), ['revoked'])
    await assertUseRefused(grant, account)
    // Around the SDK: the root-mode use built by hand and sent to handleOps is refused by the manager.
    const byHand = await sessionOpByHand(devnet, { grant, signer: key, callData: encodeExecute([{ to: devnet.contracts.demoCounter, data: countData }]), permissionIndices: [0], declaredTime: Number((await devnet.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(devnet, byHand), /AA23 reverted: SessionIsRevoked\(/)
    const remaining = await getRemainingAllowance(devnet.publicClient, grant)
    assert.equal(remaining.usable, false)
    assert.equal(remaining.status, 'revoked')
    // Renounced twice: refused first, with the reason.
    await assert.rejects(renounceSession(await relayer(), { grant, signer: key, chainClient: devnet.publicClient }), /revoked already/)
  })

  it('an approval-granted session once used, and a P-256 (WebCrypto) one: both renounce', async () => {
    const owner = await deployedOwnerAccount(devnet)
    // The manager installed (with a session of another key): approvals are for accounts that have it.
    const installing = createSession({ signer: privateKeyToAccount(generatePrivateKey()).address, validFor: 60, permissions: [counterPermission()] })
    await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [installing] })
    const signer = await webCryptoSessionSigner({ keyPair: await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) })
    const session = createSession({ signer, validFor: 3600, permissions: [counterPermission()] })
    const grant = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session, chainClient: devnet.publicClient })
    // Never used: nothing on chain grants it yet, so there is nothing to renounce (the SDK says so; the chain refuses).
    await assert.rejects(renounceSession(await relayer(), { grant, signer, chainClient: devnet.publicClient }), /approval was never used/)
    const unused = await renounceSessionCall({ grant, signer })
    assert.equal(await managerRefusal(owner.address, unused.data), 'SessionNotGranted')

    const account = await toSessionAccount({ client: devnet.publicClient, grant, signer })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
    await renounceSession(await relayer(), { grant, signer, chainClient: devnet.publicClient })
    await assertUseRefused(grant, account)
  })

  it('refused by hand: signed by another key, for another account, or for a session the account never granted', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const other = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const session = createSession({ signer: key.address, validFor: 3600, permissions: [counterPermission()] })
    const [{ grants }, { grants: otherGrants }] = [
      await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] }),
      await grantSessions(devnet.bundlerClient, { account: other, manager: devnet.contracts.sessionKeyManager, sessions: [session] }),
    ]
    const grant = grants[0]!
    const proof = grant.grant.type === 'root' ? (`0x${grant.grant.proof.map((p) => p.slice(2)).join('')}` as Hex) : '0x'
    const call = (signature: Hex, forAccount = grant.account, encoded = encodeSession(session), withProof: Hex = proof) =>
      encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'renounceSession', args: [forAccount, encoded, withProof, signature] })
    const anyone = privateKeyToAccount(generatePrivateKey()).address

    const stranger = privateKeyToAccount(generatePrivateKey())
    assert.equal(await managerRefusal(anyone, call(await stranger.signMessage({ message: { raw: sessionRenounceHash(grant) } }))), 'SessionRenounceUnsigned')
    // The holder's renounce for `other` (the same session granted there too) does not renounce it for `owner`.
    const forOther = await key.signMessage({ message: { raw: sessionRenounceHash(otherGrants[0]!) } })
    assert.equal(await managerRefusal(anyone, call(forOther)), 'SessionRenounceUnsigned')
    // An attacker's own session, "renounced" for a victim that never granted it (to make its uses dearer).
    const attackerSession = createSession({ signer: stranger.address, validFor: 3600, permissions: [counterPermission()] })
    const signed = await stranger.signMessage({ message: { raw: sessionRenounceHash({ ...grant, digest: keccak256(encodeSession(attackerSession)) }) } })
    assert.equal(await managerRefusal(anyone, call(signed, grant.account, encodeSession(attackerSession))), 'SessionNotGranted')
    // A wrong proof is no proof.
    const valid = await key.signMessage({ message: { raw: sessionRenounceHash(grant) } })
    assert.equal(await managerRefusal(anyone, call(valid, grant.account, encodeSession(session), `0x${'11'.repeat(32)}`)), 'SessionNotGranted')
    // Nothing changed: the session still works for both accounts, and the real renounce is accepted.
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grant, otherGrants[0]!]), ['active', 'active'])
    assert.equal(await managerRefusal(anyone, call(valid)), 'accepted')
  })
})

describe('getRemainingAllowance', () => {
  it('says what a periodic token limit has left and when it refills', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const token = devnet.contracts.demoToken
    const period = 86_400
    const session = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token, recipients: [recipient], perPeriod: { max: 500n, period } })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const grant = grants[0]!
    await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [{ to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [owner.address, 1_000n] }) }] })
    const account = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, 120n] }) }] })

    const { usable, status, allowances } = await getRemainingAllowance(devnet.publicClient, grant)
    assert.equal(usable, true)
    assert.equal(status, 'active')
    const perPeriod = allowances.find((a) => a.kind === 'amount' && a.period === period)
    assert.ok(perPeriod, JSON.stringify(allowances, (_, v) => (typeof v === 'bigint' ? v.toString() : v)))
    assert.equal(perPeriod.used, 120n)
    assert.equal(perPeriod.remaining, 380n)
    const now = Number((await devnet.publicClient.getBlock()).timestamp)
    assert.equal(perPeriod.refillsAt, (Math.floor(now / period) + 1) * period)
  })
})
