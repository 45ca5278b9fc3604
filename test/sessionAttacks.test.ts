/**
 * The known attacks on session keys (the team's reference on the seed and its peers, §2) that apply to session core (items 1, 3, 5, 6, 9,
 * 11; 5 and 6 are in sessions.test.ts). Each attacking userOp is built without the SDK's off-chain check
 * and carries a valid session signature; the chain (the EntryPoint's validation, replayed by the SDK, or
 * the bundler) refuses it, and says which rule.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeAbiParameters, encodeFunctionData, pad, toFunctionSelector, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { UserOperation } from 'viem/account-abstraction'
import { latchkeyAccountAbi, ownerValidatorAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  buildSessionTree,
  encodeSessionSignature,
  createSession,
  erc7579ExecuteAbi,
  grantSessions,
  permission,
  sendUserOperationAndWait,
  sessionDigest,
  sessionRootCalls,
  toSessionAccount,
  UnsafeSessionError,
  UserOperationValidationError,
  type Permission,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount, sendRaw } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

/**
 * Grants `permissions` to a new session key on a new account, writing the root directly (the SDK's grant
 * would refuse unsafe sessions), and returns an unchecked session account.
 */
async function grantRaw(permissions: Permission[], options: { ownerValidator?: boolean } = {}) {
  const owner = await deployedOwnerAccount(devnet)
  const key = privateKeyToAccount(generatePrivateKey())
  const session = createSession({ signer: key.address, validFor: 3600, permissions })
  const digest = sessionDigest(session)
  const tree = buildSessionTree([digest])
  const extra = options.ownerValidator
    ? [{ to: owner.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [1n, devnet.contracts.ownerValidator, encodeAbiParameters([{ type: 'address' }], [owner.owner.address])] }) }]
    : []
  await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [...extra, ...sessionRootCalls(owner.address, devnet.contracts.sessionKeyManager, tree.root, false)] })
  const grant: SessionGrant = { chainId: devnet.chainId, account: owner.address, manager: devnet.contracts.sessionKeyManager, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
  const attacker = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false })
  return { owner, key, grant, attacker }
}

/** Prepares (and so validates, by replay) a userOp with raw callData; expects the chain to refuse it with `rule`. */
async function assertRefused(attacker: Awaited<ReturnType<typeof grantRaw>>['attacker'], callData: Hex, rule: string) {
  await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account: attacker, callData }), (error: unknown) => {
    assert.ok(error instanceof UserOperationValidationError, String(error))
    assert.match(error.reason, new RegExp(rule), error.reason)
    return true
  })
}

const execute = (target: Address, data: Hex, value = 0n, mode: Hex = pad('0x00', { dir: 'right', size: 32 })) =>
  encodeFunctionData({ abi: erc7579ExecuteAbi, functionName: 'execute', args: [mode, concat([target, pad(`0x${value.toString(16)}`, { size: 32 }), data])] })

describe('attack 1 and 11: a session reaching the account configuration or the manager', () => {
  it('a wildcard permission cannot call the account (installModule, setOwner) or the manager (setMerkleRoot)', async () => {
    const installModule = toFunctionSelector('installModule(uint256,address,bytes)')
    const setOwner = toFunctionSelector('setOwner(address)')
    const setMerkleRoot = toFunctionSelector('setMerkleRoot(bytes32)')
    const { owner, attacker } = await grantRaw([
      permission({ target: 'any-unsafe', selector: installModule }),
      permission({ target: 'any-unsafe', selector: setOwner }),
      permission({ target: 'any-unsafe', selector: setMerkleRoot }),
    ])
    const evil = privateKeyToAccount(generatePrivateKey()).address
    await assertRefused(attacker, execute(owner.address, encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [1n, evil, '0x'] })), 'SessionTargetForbidden')
    await assertRefused(attacker, execute(owner.address, encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'setOwner', args: [evil] })), 'SessionTargetForbidden')
    await assertRefused(attacker, execute(devnet.contracts.sessionKeyManager, encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [pad('0x01')] })), 'SessionTargetForbidden')
    assert.equal(await devnet.publicClient.readContract({ address: owner.address, abi: latchkeyAccountAbi, functionName: 'owner' }), owner.owner.address)
  })

  it('an explicit permission naming the manager or the account is refused on chain, and the SDK will not grant it', async () => {
    const { owner, attacker } = await grantRaw([permission({ target: devnet.contracts.sessionKeyManager, selector: toFunctionSelector('revokeAllSessions()') })])
    await assertRefused(attacker, execute(devnet.contracts.sessionKeyManager, encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeAllSessions' })), 'SessionTargetForbidden')
    for (const target of [owner.address, devnet.contracts.sessionKeyManager]) {
      const session = createSession({ signer: owner.owner.address, validFor: 60, permissions: [permission({ target, selector: '0x12345678' })] })
      await assert.rejects(grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] }), UnsafeSessionError)
    }
  })

  it('a wildcard permission never reaches a module installed on the account (its OwnerValidator)', async () => {
    const { owner, attacker } = await grantRaw([permission({ target: 'any-unsafe', selector: toFunctionSelector('setOwner(bytes)') })], { ownerValidator: true })
    const evil = privateKeyToAccount(generatePrivateKey()).address
    const takeover = encodeFunctionData({ abi: ownerValidatorAbi, functionName: 'setOwner', args: [encodeAbiParameters([{ type: 'address' }], [evil])] })
    await assertRefused(attacker, execute(devnet.contracts.ownerValidator, takeover), 'SessionTargetForbidden')
    assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.ownerValidator, abi: ownerValidatorAbi, functionName: 'ownerOf', args: [owner.address] }), owner.owner.address)
    // The SDK refuses to grant an explicit permission on an installed module.
    const session = createSession({ signer: evil, validFor: 60, permissions: [permission({ target: devnet.contracts.ownerValidator, selector: toFunctionSelector('setOwner(bytes)') })] })
    await assert.rejects(grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] }), /installed on the account/)
  })
})

describe('attack 3: callData that is not what the permission checked', () => {
  it('refuses any account function other than execute, delegatecall and static modes, and a mode with a payload', async () => {
    const { attacker } = await grantRaw([permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })])
    const counter = devnet.contracts.demoCounter
    // The userOp calls installModule directly: no execution to check.
    await assertRefused(attacker, encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [1n, counter, '0x'] }), 'SessionCallDataNotExecute')
    // execute with delegatecall (0xff), staticcall (0xfe), an unknown exec type, and a non-zero mode selector.
    for (const mode of ['0xff', '0xfe', '0x0002', '0x00000000000001'] as const) {
      await assertRefused(attacker, execute(counter, countData, 0n, pad(mode, { dir: 'right', size: 32 })), 'SessionExecutionModeRefused')
    }
    // A non-standard offset for executionCalldata (a decoder-confusion attempt).
    const standard = execute(counter, countData)
    const shifted = concat([standard.slice(0, 10 + 64) as Hex, pad('0x60'), pad('0x00'), `0x${standard.slice(10 + 128)}`]) as Hex
    await assertRefused(attacker, shifted, 'SessionCallDataMalformed')
  })

  it('refuses a batch whose index list does not match its calls, or that names a missing permission', async () => {
    const { attacker, grant, key } = await grantRaw([permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })])
    const batch = await attacker.encodeCalls([
      { to: devnet.contracts.demoCounter, data: countData },
      { to: devnet.contracts.demoCounter, data: countData },
    ])
    // toSessionAccount (unchecked) puts one index 0 per call; forge a signature with one index for two calls.
    const op = (await devnet.bundlerClient.prepareUserOperation({
      account: attacker,
      callData: batch,
      callGasLimit: 200_000n,
      verificationGasLimit: 400_000n,
      preVerificationGas: 80_000n,
    })) as UserOperation<'0.7'>
    const { encodeSessionSignature, sessionSigningHash } = await import('@latchkey/sdk')
    const { getUserOperationHash } = await import('viem/account-abstraction')
    const hash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: op })
    const now = Math.floor(Date.now() / 1000)
    const sign = (indices: number[]) => key.signMessage({ message: { raw: sessionSigningHash(hash, grant.digest, indices, now) } })
    await assert.rejects(sendRaw(devnet, { ...op, signature: encodeSessionSignature(grant, 'root', [0], now, await sign([0])) }), /AA23/)
    await assert.rejects(sendRaw(devnet, { ...op, signature: encodeSessionSignature(grant, 'root', [0, 1], now, await sign([0, 1])) }), /AA23/)
    // The same op with the right indices is fine.
    const ok = await sendRaw(devnet, { ...op, signature: encodeSessionSignature(grant, 'root', [0, 0], now, await sign([0, 0])) })
    assert.match(ok, /^0x[0-9a-f]{64}$/)
  })
})

describe('a relayer cannot move a signed op to another session of the same signer', () => {
  it('swapping the session (and its proof) in the signature breaks it (AA24): the digest is signed', async () => {
    const counterCount = permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const sessions = [0, 1].map(() => createSession({ signer: key.address, validFor: 3600, permissions: [counterCount] }))
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions })
    const [a, b] = grants as [SessionGrant, SessionGrant]
    const sessionA = await toSessionAccount({ client: devnet.publicClient, grant: a, signer: key })
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: sessionA, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const signed = await sessionA.signUserOperation(op)
    // The relayer keeps the signer's signature and declared time, and puts session B (with B's proof) around them.
    const signerSignature = `0x${signed.slice(-130)}` as Hex
    const declaredTime = Number(BigInt(`0x${signed.slice(-142, -130)}`))
    const moved = encodeSessionSignature(b, 'root', [0], declaredTime, signerSignature)
    await assert.rejects(sendRaw(devnet, { ...op, signature: moved }), /AA24/)
    // The op as signed is fine.
    assert.match(await sendRaw(devnet, { ...op, signature: signed }), /^0x[0-9a-f]{64}$/)
  })
})

describe('a session signature in another form than the one signed', () => {
  it("its malleable twin (high s), a wrong v and the 64-byte form are refused (AA24); the signed form lands", async () => {
    const counterCount = permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })
    const { attacker } = await grantRaw([counterCount])
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: attacker, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const signed = await attacker.signUserOperation(op)
    const envelope = signed.slice(0, -130)
    const r = signed.slice(-130, -66)
    const s = BigInt(`0x${signed.slice(-66, -2)}`)
    const v = Number.parseInt(signed.slice(-2), 16)
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const hex32 = (x: bigint) => x.toString(16).padStart(64, '0')
    // The twin (r, n − s, the other v) recovers the same key: ecrecover alone would accept it.
    const twin = `${envelope}${r}${hex32(n - s)}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    const wrongV = `${envelope}${r}${hex32(s)}1d` as Hex
    const compact = `${envelope}${r}${hex32(s | (BigInt(v - 27) << 255n))}` as Hex // ERC-2098
    for (const form of [twin, wrongV, compact]) await assert.rejects(sendRaw(devnet, { ...op, signature: form }), /AA24/)
    assert.match(await sendRaw(devnet, { ...op, signature: signed }), /^0x[0-9a-f]{64}$/)
  })
})

describe('a relayer cannot move a call to another permission of the session', () => {
  it('changing the permission indices of a signed session userOp breaks its signature (AA24)', async () => {
    const counterCount = permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })
    const anyCount = permission({ target: 'any-unsafe', selector: toFunctionSelector('count()') })
    const { attacker } = await grantRaw([counterCount, anyCount])
    const op = (await devnet.bundlerClient.prepareUserOperation({ account: attacker, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })) as UserOperation<'0.7'>
    const signed = await attacker.signUserOperation(op) // call 0 → permission 0
    // Both permissions allow the call; the relayer rewrites the index byte (just before the 65-byte signature).
    const swapped = `${signed.slice(0, -132)}01${signed.slice(-130)}` as Hex
    assert.notEqual(swapped, signed)
    await assert.rejects(sendRaw(devnet, { ...op, signature: swapped }), /AA24/)
    assert.match(await sendRaw(devnet, { ...op, signature: signed }), /^0x[0-9a-f]{64}$/)
  })
})

describe('attack 9: session keys signing for the account (ERC-1271)', () => {
  it('the manager never validates a signature for the account, whatever it carries', async () => {
    const { owner, key } = await grantRaw([permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })])
    const hash = pad('0x1234')
    const sessionSignature = await key.sign({ hash })
    const viaAccount = await devnet.publicClient.readContract({
      address: owner.address,
      abi: latchkeyAccountAbi,
      functionName: 'isValidSignature',
      args: [hash, concat([devnet.contracts.sessionKeyManager, sessionSignature])],
    })
    assert.equal(viaAccount, '0xffffffff')
    const direct = await devnet.publicClient.readContract({
      address: devnet.contracts.sessionKeyManager,
      abi: sessionKeyManagerAbi,
      functionName: 'isValidSignatureWithSender',
      args: [owner.address, hash, sessionSignature],
    })
    assert.equal(direct, '0xffffffff')
  })
})

