/**
 * Attacks on batched sessions (docs/sessions.md §6, signature mode 0x80: each call of a batch under its own
 * session), tried for real through the Alto bundler with the SDK out of the way. Each attacking userOp is
 * built by hand, carries a signature the session key really made, and is refused by the chain; a replay of
 * `handleOps` names the SessionKeyManager's (or a policy's) rule. Beside each refusal, the same op as it
 * should be lands, so that a refusal for any other reason would fail the test.
 *
 * What this file proves:
 * 1. one signature cannot carry sessions of different signers (SessionSignerMismatch), and the SDK will not
 *    build such a session account;
 * 2. there is no router to spoof (reference attack §2 item 2): a nonce key naming a validator the account has
 *    not installed gets SIG_VALIDATION_FAILED (AA24), and a session whose signer verifier or policy was
 *    swapped is no longer the granted session (SessionNotGranted);
 * 3. a relayer cannot move a call from one session to another, even one that allows it (AA24), nor carry a
 *    signature made for one mode (single or batch) in the other;
 * 4. the structure is checked: unused, repeated and missing sessions, fewer entries than calls, a nested
 *    batch, a permission that is not there, a call its session does not allow;
 * 5. mode 0x80 also takes a single-call execution, and 20 calls over three sessions land in one userOp;
 * 6. a policy counter accumulates within a batch on chain, across calls of one session separated by a call
 *    of another.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, http, toFunctionSelector, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { entryPoint07Address, getUserOperationHash, type UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, demoNftAbi, latchkeyAccountAbi, sessionKeyManagerAbi, sessionKeyManagerBytecode } from '@latchkey/contracts'
import { acceptAllValidatorAbi, acceptAllValidatorBytecode } from '@latchkey/contracts/testing'
import {
  batchSessionSigningHash,
  callPolicy,
  createSession,
  describeRevert,
  encodeBatchSessionSignature,
  encodeSessionSignature,
  sessionSigningHash,
  eq,
  erc20Policy,
  grantSessions,
  permission,
  replayHandleOps,
  sendUserOperationAndWait,
  sessionDigest,
  SessionCallRefusedError,
  toSessionAccount,
  validatorNonceKey,
  type BatchSessionPart,
  type Call,
  type Session,
  type SessionCallEntry,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount, sendRaw } from './fixtures/sessions.ts'
import { balanceOf, erc20Call, expectRefusedOnChain, mintUsd, prepareWithFixedGas } from './fixtures/policySessions.ts'
import { mintCall } from './fixtures/batchSessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const stranger = () => privateKeyToAccount(generatePrivateKey()).address
const countCall = (): Call => ({ to: devnet.contracts.demoCounter, data: countData })
const transfer = (to: Address, amount: bigint): Call => erc20Call(devnet.contracts.demoToken, 'transfer', [to, amount])
const counted = (account: Address) =>
  devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
const nftBalance = (owner: Address) => devnet.publicClient.readContract({ address: devnet.contracts.demoNft, abi: demoNftAbi, functionName: 'balanceOf', args: [owner] })
const now = () => Math.floor(Date.now() / 1000)

/** A session of `key` that may only call DemoCounter.count(). */
const counterOnly = (key: PrivateKeyAccount) =>
  createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })

/** A new owner account with `sessions` granted by its Merkle root (in this order). */
async function granted(sessions: Session[], options: { usd?: bigint } = {}) {
  const owner = await deployedOwnerAccount(devnet)
  if (options.usd) await mintUsd(devnet, owner.address, options.usd)
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions })
  return { owner, grants }
}

/**
 * Prepares, without the SDK's check and with fixed gas (nothing estimated), a userOp making `calls` from the
 * account of `grant` (default nonce key: the manager, keyed by that session's digest). Its signature is a
 * stub: the tests sign it themselves.
 */
async function prepareOp(grant: SessionGrant, key: PrivateKeyAccount, calls: Call[], nonceKey?: bigint): Promise<UserOperation<'0.7'>> {
  const account = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false, nonceKey })
  return prepareWithFixedGas(devnet, account, calls)
}

const userOpHashOf = (op: UserOperation<'0.7'>) =>
  getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: entryPoint07Address, entryPointVersion: '0.7', userOperation: op })

/** The signer's signature over a batch: `batchSessionSigningHash` of the op's hash, the digests, entries and time. */
function signerSignature(key: PrivateKeyAccount, op: UserOperation<'0.7'>, parts: readonly BatchSessionPart[], entries: readonly SessionCallEntry[], declaredTime: number): Promise<Hex> {
  return key.signMessage({ message: { raw: batchSessionSigningHash(userOpHashOf(op), parts.map((part) => part.grant.digest), entries, declaredTime) } })
}

/** A complete, honestly signed mode-0x80 signature for `op`. */
async function signBatch(key: PrivateKeyAccount, op: UserOperation<'0.7'>, parts: readonly BatchSessionPart[], entries: readonly SessionCallEntry[], declaredTime = now()): Promise<Hex> {
  return encodeBatchSessionSignature(parts, entries, declaredTime, await signerSignature(key, op, parts, entries, declaredTime))
}

/** `[(s0, p0), (s1, p1), …]` as call entries. */
const entriesOf = (...pairs: [number, number][]): SessionCallEntry[] => pairs.map(([session, permission]) => ({ session, permission }))
const root = (grant: SessionGrant): BatchSessionPart => ({ grant, mode: 'root' })

/**
 * Sends `op` with `signature` to the bundler and expects a refusal matching `bundlerCode`, then replays
 * `handleOps` and expects the EntryPoint's verdict: for a validator revert (AA23) the contract error must
 * match `rule`; for a signature failure (`rule` = 'AA24') the EntryPoint's code is AA24.
 */
async function expectBatchRefused(op: UserOperation<'0.7'>, signature: Hex, rule: RegExp | 'AA24', bundlerCode: RegExp = rule === 'AA24' ? /AA24/ : /AA23/) {
  const signed = { ...op, signature }
  await assert.rejects(sendRaw(devnet, signed), (error: unknown) => {
    assert.match(String(error), bundlerCode)
    return true
  })
  const outcome = await replayHandleOps(devnet.publicClient, { userOperation: signed })
  assert.ok(!outcome.ok, 'the replay accepted the op')
  if (rule === 'AA24') {
    assert.equal(outcome.code, 'AA24', outcome.reason)
    return
  }
  assert.equal(outcome.code, 'AA23', outcome.reason)
  assert.match(describeRevert(outcome.innerRevert) ?? outcome.reason, rule)
}

/** Sends `op` with `signature` straight to the bundler and expects it to land and succeed. */
async function expectLands(op: UserOperation<'0.7'>, signature: Hex) {
  const hash = await sendRaw(devnet, { ...op, signature })
  const receipt = await devnet.bundlerClient.waitForUserOperationReceipt({ hash, timeout: 30_000 })
  assert.equal(receipt.success, true, `userOp ${hash} reverted in execution`)
  return receipt
}

async function deploy(kind: 'acceptAll' | 'manager'): Promise<Address> {
  const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
  const hash =
    kind === 'acceptAll'
      ? await wallet.deployContract({ abi: acceptAllValidatorAbi, bytecode: acceptAllValidatorBytecode })
      : await wallet.deployContract({ abi: sessionKeyManagerAbi, bytecode: sessionKeyManagerBytecode })
  const { contractAddress } = await devnet.publicClient.waitForTransactionReceipt({ hash })
  return contractAddress!
}

/** The grant of a session altered after it was granted: same grant proof, the altered session's digest. */
function tampered(grant: SessionGrant, session: Session): SessionGrant {
  return { ...grant, session, digest: sessionDigest(session) }
}

describe('1. one batch, one signer', () => {
  it('sessions of different keys in one batch are refused (SessionSignerMismatch(1)), the SDK will not build it', async () => {
    const k1 = privateKeyToAccount(generatePrivateKey())
    const k2 = privateKeyToAccount(generatePrivateKey())
    const { owner, grants } = await granted([counterOnly(k1), counterOnly(k2), counterOnly(k1)])
    const [a, b, c] = grants as [SessionGrant, SessionGrant, SessionGrant]

    for (const precheck of [true, false]) {
      await assert.rejects(toSessionAccount({ client: devnet.publicClient, grants: [a, b], signer: k1, precheck }), /Session 1 \(0x[0-9a-f]{8}…\) has another signer than the key/)
    }

    const op = await prepareOp(a, k1, [countCall(), countCall()])
    const entries = entriesOf([0, 0], [1, 0])
    // K1 signs a batch carrying K2's session: K1's signature would pass for session 0, so only the rule stops it.
    await expectBatchRefused(op, await signBatch(k1, op, [root(a), root(b)], entries), /^SessionSignerMismatch\(1\)$/)
    // And K2, holding session 1, cannot lead with its own session and borrow K1's either.
    await expectBatchRefused(op, await signBatch(k2, op, [root(b), root(a)], entries), /^SessionSignerMismatch\(1\)$/)
    assert.equal(await counted(owner.address), 1n) // only deployedOwnerAccount's count

    // The same op with two sessions of K1 lands.
    await expectLands(op, await signBatch(k1, op, [root(a), root(c)], entries))
    assert.equal(await counted(owner.address), 3n)
  })
})

describe('2. no manager or router to spoof', () => {
  /*
   * Biconomy's batch router took the address of the session manager to trust from the signature, so an
   * attacker could name his own. Our format names no module address that the manager trusts: the manager is
   * the validator that the userOp's nonce key selects, and the account asks it only if it is installed;
   * every address inside a session (signer verifier, targets, policies, gas policy) is covered by the
   * session's digest, which must be in the account's root or recorded for the account.
   */
  it('a nonce key naming a validator the account has not installed gets AA24, whatever that validator says', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const { owner, grants } = await granted([counterOnly(key), counterOnly(key)])
    const [a, b] = grants as [SessionGrant, SessionGrant]
    const acceptAll = await deploy('acceptAll')
    const secondManager = await deploy('manager')
    const entries = entriesOf([0, 0], [1, 0])
    for (const validator of [acceptAll, secondManager]) {
      const installed = await devnet.publicClient.readContract({ address: owner.address, abi: latchkeyAccountAbi, functionName: 'isModuleInstalled', args: [1n, validator, '0x'] })
      assert.equal(installed, false)
      // A valid batch signature of the session key, for an op whose nonce key selects `validator`.
      const op = await prepareOp(a, key, [countCall(), countCall()], validatorNonceKey(validator, 7n))
      await expectBatchRefused(op, await signBatch(key, op, [root(a), root(b)], entries), 'AA24')
    }
    assert.equal(await counted(owner.address), 1n)
    // The installed manager, selected by the nonce key, takes the same batch.
    const op = await prepareOp(a, key, [countCall(), countCall()])
    await expectLands(op, await signBatch(key, op, [root(a), root(b)], entries))
    assert.equal(await counted(owner.address), 3n)
  })

  it('a session whose signer verifier or policy was swapped for an accept-all contract is not granted (SessionNotGranted)', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const recipient = stranger()
    const counter = counterOnly(key)
    const token = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], perCall: 5n, total: 10n })] })
    const { owner, grants } = await granted([counter, token], { usd: 1_000n })
    const [a, t] = grants as [SessionGrant, SessionGrant]
    const acceptAll = await deploy('acceptAll')
    const calls = [countCall(), transfer(recipient, 5n)]
    const entries = entriesOf([0, 0], [1, 0])
    const op = await prepareOp(a, key, calls)

    // Session 0's ECDSA check handed to a contract that accepts any signature; re-signed by the right key.
    const verifierSwapped = tampered(a, { ...a.session, signerVerifier: acceptAll })
    // Session 1's Erc20Policy (5 a call, 10 in all) replaced by a contract that would take anything.
    const policySwapped = tampered(t, { ...t.session, permissions: [{ ...t.session.permissions[0]!, policy: acceptAll }] })
    for (const [parts, forged] of [
      [[root(verifierSwapped), root(t)], verifierSwapped],
      [[root(a), root(policySwapped)], policySwapped],
      [[root(a), { grant: policySwapped, mode: 'recorded' }], policySwapped],
    ] as [BatchSessionPart[], SessionGrant][]) {
      await expectBatchRefused(op, await signBatch(key, op, parts, entries), new RegExp(`^SessionNotGranted\\(${forged.digest}\\)$`))
    }
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 0n)

    // The sessions as granted: the same op lands.
    await expectLands(op, await signBatch(key, op, [root(a), root(t)], entries))
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 5n)
    assert.equal(await counted(owner.address), 2n)
  })
})

describe('3. a relayer cannot move a call between sessions', () => {
  it('rewriting the call entries (or the session order) of a signed batch breaks its signature (AA24)', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const { owner, grants } = await granted([counterOnly(key), counterOnly(key)])
    const [a, b] = grants as [SessionGrant, SessionGrant]
    const op = await prepareOp(a, key, [countCall(), countCall(), countCall()])
    const declaredTime = now()
    const parts = [root(a), root(b)]
    const signedEntries = entriesOf([0, 0], [0, 0], [1, 0])
    const signature = await signerSignature(key, op, parts, signedEntries, declaredTime)
    // Call 1 moved from session 0 to session 1, which allows it too: every rule but the signature holds.
    const moved = encodeBatchSessionSignature(parts, entriesOf([0, 0], [1, 0], [1, 0]), declaredTime, signature)
    await expectBatchRefused(op, moved, 'AA24')
    // The sessions listed the other way round, entries renumbered so each call keeps its session.
    const reordered = encodeBatchSessionSignature([root(b), root(a)], entriesOf([1, 0], [1, 0], [0, 0]), declaredTime, signature)
    await expectBatchRefused(op, reordered, 'AA24')
    assert.equal(await counted(owner.address), 1n)
    // As signed, it lands.
    await expectLands(op, encodeBatchSessionSignature(parts, signedEntries, declaredTime, signature))
    assert.equal(await counted(owner.address), 4n)
  })

  it('a signature made for one mode is not valid in the other (re-wrapped single ↔ batch: AA24)', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const { owner, grants } = await granted([counterOnly(key)])
    const grant = grants[0]!
    const op = await prepareOp(grant, key, [countCall()])
    const time = now()
    // Signed for the single mode, carried in a batch of that one session.
    const single = await key.signMessage({ message: { raw: sessionSigningHash(userOpHashOf(op), grant.digest, [0], time) } })
    await expectBatchRefused(op, encodeBatchSessionSignature([root(grant)], entriesOf([0, 0]), time, single), 'AA24')
    // Signed for the batch mode, carried in the single mode.
    const batch = await signerSignature(key, op, [root(grant)], entriesOf([0, 0]), time)
    await expectBatchRefused(op, encodeSessionSignature(grant, 'root', [0], time, batch), 'AA24')
    // Each where it belongs lands.
    await expectLands(op, encodeSessionSignature(grant, 'root', [0], time, single))
    assert.equal(await counted(owner.address), 2n)
  })
})

describe('4. the batch structure is checked', () => {
  it('refuses unused, repeated and missing sessions, a short entry list, a nested batch, a missing permission, a call its session does not allow', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const token = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, total: 100n })] })
    const { owner, grants } = await granted([counterOnly(key), counterOnly(key), token])
    const [a, b, t] = grants as [SessionGrant, SessionGrant, SessionGrant]
    const two = await prepareOp(a, key, [countCall(), countCall()])
    const three = await prepareOp(a, key, [countCall(), countCall(), countCall()])

    // Session 1 is carried (and signed) but no call uses it.
    await expectBatchRefused(two, await signBatch(key, two, [root(a), root(b)], entriesOf([0, 0], [0, 0])), /^SessionBatchSessionUnused\(1\)$/)
    // The same session twice.
    await expectBatchRefused(two, await signBatch(key, two, [root(a), root(a)], entriesOf([0, 0], [1, 0])), /^SessionBatchSessionRepeated\(1\)$/)
    // Call 1 names session 2 of two.
    await expectBatchRefused(two, await signBatch(key, two, [root(a), root(b)], entriesOf([0, 0], [2, 0])), /^SessionBatchSessionMissing\(1, 2\)$/)
    // Two entries for three calls.
    await expectBatchRefused(three, await signBatch(key, three, [root(a), root(b)], entriesOf([0, 0], [1, 0])), /^SessionCallCountMismatch\(3, 2\)$/)
    // Call 1 names permission 1 of a session that has one.
    await expectBatchRefused(two, await signBatch(key, two, [root(a), root(b)], entriesOf([0, 0], [1, 1])), /^SessionPermissionMissing\(1, 1\)$/)
    // A counter call under the token session.
    await expectBatchRefused(
      two,
      await signBatch(key, two, [root(a), root(t)], entriesOf([0, 0], [1, 0])),
      new RegExp(`^SessionCallNotPermitted\\(1, ${devnet.contracts.demoCounter}, ${toFunctionSelector('count()')}\\)$`, 'i'),
    )
    // A nested batch: session 0's grant mode is the batch mode (0x80) instead of a grant (0x00 to 0x02).
    const honest = await signBatch(key, two, [root(a), root(b)], entriesOf([0, 0], [1, 0]))
    assert.equal(honest.slice(0, 8), '0x800200') // batch ‖ two sessions ‖ root grant
    const nested = `0x800280${honest.slice(8)}` as Hex
    await expectBatchRefused(two, nested, /^SessionSignatureMalformed\(2\)$/)
    // Nothing ran; the honest batch lands.
    assert.equal(await counted(owner.address), 1n)
    await expectLands(two, honest)
    assert.equal(await counted(owner.address), 3n)
  })
})

describe('5. batch sizes', () => {
  it('mode 0x80 with a single-call execution is accepted through the bundler', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const { owner, grants } = await granted([counterOnly(key)])
    const [a] = grants as [SessionGrant]
    // The SDK would use the single-session format; build the batch format by hand.
    const op = await prepareOp(a, key, [countCall()])
    assert.equal(op.callData.slice(10, 12), '00') // ERC-7579 single call type
    const signature = await signBatch(key, op, [root(a)], entriesOf([0, 0]))
    assert.equal(signature.slice(0, 6), '0x8001')
    await expectLands(op, signature)
    assert.equal(await counted(owner.address), 2n)
  })

  it('20 calls over three sessions land in one userOp through the SDK', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const recipient = stranger()
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000n)
    const sessions = [
      counterOnly(key),
      createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], perCall: 10n, total: 100n })] }),
      createSession({ signer: key.address, validFor: 3600, permissions: [callPolicy({ address: devnet.contracts.demoNft, abi: demoNftAbi, functionName: 'safeMint', args: [eq(owner.address)] })] }),
    ]
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions })
    const account = await toSessionAccount({ client: devnet.publicClient, grants, signer: key })
    // Interleaved: count, transfer 3, mint, count, …
    const calls = Array.from({ length: 20 }, (_, i) => [countCall(), transfer(recipient, 3n), mintCall(devnet, owner.address)][i % 3]!)
    const { userOperation, success } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls })
    assert.equal(success, true)
    assert.equal(userOperation.signature.slice(0, 6), '0x8003') // batch mode, three sessions
    assert.equal(await counted(owner.address), 1n + 7n)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 7n * 3n)
    assert.equal(await nftBalance(owner.address), 6n)
  })
})

describe('6. policy counters accumulate within a batch, on chain', () => {
  it('transfer 60, count, transfer 60 under a total of 100 is refused; 60 + 40 lands, then 1 more is refused', async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    const recipient = stranger()
    const token = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], total: 100n })] })
    const { owner, grants } = await granted([token, counterOnly(key)], { usd: 1_000n })
    const unchecked = await toSessionAccount({ client: devnet.publicClient, grants, signer: key, precheck: false })
    const checked = await toSessionAccount({ client: devnet.publicClient, grants, signer: key })

    const over = [transfer(recipient, 60n), countCall(), transfer(recipient, 60n)]
    // The SDK's own check counts across the batch too: call 2 is refused off chain, by the policy.
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: over }), (error: unknown) => {
      assert.ok(error instanceof SessionCallRefusedError, String(error))
      assert.equal(error.callIndex, 2)
      assert.equal(error.rule, 'policy')
      return true
    })
    // Unchecked, the chain refuses: the second transfer sees the first one's 60 (limit 0 is the total).
    await expectRefusedOnChain(devnet, unchecked, over, /^PolicyLimitExceeded\(0, 60, 60, 100\)$/)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 0n)

    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [transfer(recipient, 60n), countCall(), transfer(recipient, 40n)] })
    assert.equal(userOperation.signature.slice(0, 6), '0x8002')
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 100n)
    assert.equal(await counted(owner.address), 2n)
    // The total is spent: one more unit is refused, alone or in a batch.
    await expectRefusedOnChain(devnet, unchecked, [transfer(recipient, 1n)], /^PolicyLimitExceeded\(0, 100, 1, 100\)$/)
    await expectRefusedOnChain(devnet, unchecked, [countCall(), transfer(recipient, 1n)], /^PolicyLimitExceeded\(0, 100, 1, 100\)$/)
  })
})
