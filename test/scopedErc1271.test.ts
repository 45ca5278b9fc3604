/**
 * Scoped ERC-1271 for sessions (issue 18, item 4): with SessionTypedDataValidator installed, a session may sign
 * typed data for the account only of the (domain, type) pairs its owner listed, ERC-7739-bound to the account.
 * Everything else stays denied. The wrong signatures are built by hand, around the SDK's scope check, and
 * asked of the account's `isValidSignature` directly (what a Permit2 or an exchange does).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, domainSeparator, encodeAbiParameters, encodeFunctionData, encodePacked, hashStruct, hashTypedData, keccak256, parseAbi, parseAbiParameters, size, stringToHex, type Address, type Hex, type TypedDataDefinition } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoCounterAbi, latchkeyAccountAbi } from '@latchkey/contracts'
import {
  createSession,
  describeSession,
  encodeExecute,
  sessionApprovalTypedData,
  sessionDigest,
  encodeSession,
  encodeSessionTypedDataSignature,
  typedDataContentsDescr,
  typedDataEncodedFields,
  erc7579ModuleConfigAbi,
  grantSessions,
  permission,
  renounceSession,
  revokeSessions,
  sendUserOperationAndWait,
  sessionTypedDataHash,
  signTypedDataWithSession,
  typedDataPermission,
  TypedDataOutOfScopeError,
  webCryptoSessionSigner,
  type SessionGrant,
} from '@latchkey/sdk'
import { createWalletClient, http } from 'viem'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const PERMIT2: Address = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
const permitTypes = {
  PermitDetails: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint160' },
    { name: 'expiration', type: 'uint48' },
    { name: 'nonce', type: 'uint48' },
  ],
  PermitSingle: [
    { name: 'details', type: 'PermitDetails' },
    { name: 'spender', type: 'address' },
    { name: 'sigDeadline', type: 'uint256' },
  ],
  PermitBatch: [
    { name: 'details', type: 'PermitDetails[]' },
    { name: 'spender', type: 'address' },
    { name: 'sigDeadline', type: 'uint256' },
  ],
} as const
const permit2Domain = () => ({ name: 'Permit2', chainId: devnet.chainId, verifyingContract: PERMIT2 })
const details = () => ({ token: devnet.contracts.demoToken, amount: 1_000n, expiration: 2_000_000_000, nonce: 0 })
const permitSingle = (domain = permit2Domain()): TypedDataDefinition =>
  ({ domain, types: permitTypes, primaryType: 'PermitSingle', message: { details: details(), spender: devnet.contracts.demoSwapRouterV3, sigDeadline: 2_000_000_000n } }) as TypedDataDefinition
const permitBatch = (): TypedDataDefinition =>
  ({ domain: permit2Domain(), types: permitTypes, primaryType: 'PermitBatch', message: { details: [details()], spender: devnet.contracts.demoSwapRouterV3, sigDeadline: 2_000_000_000n } }) as TypedDataDefinition

const MAGIC = '0x1626ba7e'
const verdict = (account: Address, typedData: TypedDataDefinition, signature: Hex) =>
  devnet.publicClient.readContract({ address: account, abi: latchkeyAccountAbi, functionName: 'isValidSignature', args: [hashTypedData(typedData), signature] }).catch(() => 'reverted' as const)

/** An account with the module installed, and a session (root) whose key may call count() and sign PermitSingle in Permit2's domain. */
async function scopedSession(options: { install?: boolean; scoped?: boolean } = {}) {
  const owner = await deployedOwnerAccount(devnet)
  if (options.install ?? true) {
    const install = encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, devnet.contracts.sessionTypedDataValidator, '0x'] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [{ to: owner.address, data: install }] })
  }
  const key = privateKeyToAccount(generatePrivateKey())
  const permissions = [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })]
  if (options.scoped ?? true) permissions.push(typedDataPermission({ scope: [{ domain: permit2Domain(), types: permitTypes, primaryType: 'PermitSingle' }] }))
  const session = createSession({ signer: key.address, validFor: 3600, permissions })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  return { owner, key, session, grant: grants[0]! }
}

/** What an attacker holding the session key writes: the SDK's hash and encoding, without its scope check. */
async function byHand(grant: SessionGrant, key: ReturnType<typeof privateKeyToAccount>, typedData: TypedDataDefinition, overrides: Partial<{ manager: Address }> = {}) {
  const hash = await sessionTypedDataHash(devnet.publicClient, grant, typedData)
  const signature = await key.signMessage({ message: { raw: hash } })
  return encodeSessionTypedDataSignature({ grant: { ...grant, ...overrides }, typedData, signature })
}

/**
 * An attacker's signature for `actual` contents that names the type of `named` (in scope) in ERC-7739's
 * contentsDescr, with the nested hash computed for that pairing, as the holder of the key can do.
 */
async function mislabelled(grant: SessionGrant, key: ReturnType<typeof privateKeyToAccount>, actual: TypedDataDefinition, named: TypedDataDefinition) {
  const t = actual as unknown as { domain: Record<string, unknown>; types: Record<string, readonly { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> }
  const n = named as unknown as typeof t
  const appSeparator = domainSeparator({ domain: t.domain })
  const contentsHash = hashStruct({ data: t.message, types: t.types, primaryType: t.primaryType } as Parameters<typeof hashStruct>[0])
  const descr = typedDataContentsDescr({ types: n.types, primaryType: n.primaryType })
  const contentsType = descr.slice(0, descr.length - n.primaryType.length)
  const [, name, version, chainId, verifyingContract, salt] = await devnet.publicClient.readContract({
    address: grant.account,
    abi: parseAbi(['function eip712Domain() view returns (bytes1, string, string, uint256, address, bytes32, uint256[])']),
    functionName: 'eip712Domain',
  })
  const typeHash = keccak256(stringToHex(`TypedDataSign(${n.primaryType} contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)${contentsType}`))
  const structHash = keccak256(
    encodeAbiParameters(parseAbiParameters('bytes32, bytes32, bytes32, bytes32, uint256, address, bytes32'), [typeHash, contentsHash, keccak256(stringToHex(name)), keccak256(stringToHex(version)), chainId, verifyingContract, salt]),
  )
  const nestedHash = keccak256(concat(['0x1901', appSeparator, structHash]))
  const signature = await key.signMessage({ message: { raw: keccak256(encodeAbiParameters(parseAbiParameters('bytes32, bytes32'), [grant.digest, nestedHash])) } })
  const nested = encodePacked(['bytes', 'bytes32', 'bytes32', 'bytes', 'uint16'], [signature, appSeparator, contentsHash, stringToHex(descr), size(stringToHex(descr))])
  const fields = typedDataEncodedFields(t.types, t.primaryType, t.message)
  const proof = grant.grant.type === 'root' ? concat(['0x', ...grant.grant.proof]) : '0x'
  return concat([
    devnet.contracts.sessionTypedDataValidator,
    encodeAbiParameters(parseAbiParameters('address, bytes, bytes, bytes, bytes'), [grant.manager, encodeSession(grant.session), proof, nested, fields]),
  ])
}

describe('scoped ERC-1271: a session signs typed data only within its scope', () => {
  it('signs a PermitSingle in Permit2\'s domain: the account says valid; the SDK refuses what is outside, and the chain too', async () => {
    const { owner, key, grant } = await scopedSession()
    const signature = await signTypedDataWithSession(devnet.publicClient, { grant, signer: key, typedData: permitSingle() })
    assert.equal(await verdict(owner.address, permitSingle(), signature), MAGIC)

    // Another type of the same domain, and the same type in another domain: refused by the SDK, then by the chain.
    const otherDomain = permitSingle({ ...permit2Domain(), verifyingContract: devnet.contracts.demoSwapRouterV3 })
    for (const outside of [permitBatch(), otherDomain]) {
      await assert.rejects(signTypedDataWithSession(devnet.publicClient, { grant, signer: key, typedData: outside }), (error: unknown) => error instanceof TypedDataOutOfScopeError && error.rule === 'typed-data-scope')
      assert.equal(await verdict(owner.address, outside, await byHand(grant, key, outside)), '0xffffffff')
    }
    // The review's exploit: contents of another type (a PermitBatch) under the scoped type's name (PermitSingle's
    // contentsDescr), signed by the holder. The module asks for the contents' fields and finds them not of the type.
    assert.equal(await verdict(owner.address, permitBatch(), await mislabelled(grant, key, permitBatch(), permitSingle())), '0xffffffff')
    // A valid signature offered for another hash, or signed by another key.
    assert.equal(await verdict(owner.address, otherDomain, signature), '0xffffffff')
    const stranger = privateKeyToAccount(generatePrivateKey())
    assert.equal(await verdict(owner.address, permitSingle(), await byHand(grant, stranger, permitSingle())), '0xffffffff')
  })

  it('cannot be replayed on another account that granted the same session', async () => {
    const a = await scopedSession()
    const b = await deployedOwnerAccount(devnet)
    const install = encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, devnet.contracts.sessionTypedDataValidator, '0x'] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: b, calls: [{ to: b.address, data: install }] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: b, manager: devnet.contracts.sessionKeyManager, sessions: [a.session] })
    const forA = await signTypedDataWithSession(devnet.publicClient, { grant: a.grant, signer: a.key, typedData: permitSingle() })
    assert.equal(await verdict(a.owner.address, permitSingle(), forA), MAGIC)
    assert.equal(await verdict(b.address, permitSingle(), forA), '0xffffffff', 'A\'s signature on B')
    const forB = await signTypedDataWithSession(devnet.publicClient, { grant: grants[0]!, signer: a.key, typedData: permitSingle() })
    assert.equal(await verdict(b.address, permitSingle(), forB), MAGIC)
  })

  it('stops with the session: revoked by the owner, renounced by the holder', async () => {
    const revoked = await scopedSession()
    const before = await signTypedDataWithSession(devnet.publicClient, { grant: revoked.grant, signer: revoked.key, typedData: permitSingle() })
    await revokeSessions(devnet.bundlerClient, { account: revoked.owner, manager: devnet.contracts.sessionKeyManager, sessions: [revoked.grant.digest] })
    assert.equal(await verdict(revoked.owner.address, permitSingle(), before), '0xffffffff')

    const renounced = await scopedSession()
    const signed = await signTypedDataWithSession(devnet.publicClient, { grant: renounced.grant, signer: renounced.key, typedData: permitSingle() })
    const relayer = privateKeyToAccount(generatePrivateKey())
    await devnet.fund(relayer.address, '0.1')
    await renounceSession(createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: relayer }), { grant: renounced.grant, signer: renounced.key, chainClient: devnet.publicClient })
    assert.equal(await verdict(renounced.owner.address, permitSingle(), signed), '0xffffffff')
  })

  it('default deny: a session without a typed-data permission, the module not installed, a manager the account does not have', async () => {
    const unscoped = await scopedSession({ scoped: false })
    await assert.rejects(signTypedDataWithSession(devnet.publicClient, { grant: unscoped.grant, signer: unscoped.key, typedData: permitSingle() }), TypedDataOutOfScopeError)
    assert.equal(await verdict(unscoped.owner.address, permitSingle(), await byHand(unscoped.grant, unscoped.key, permitSingle())), '0xffffffff')
    // The manager itself never signs for the account, whatever follows its address.
    assert.equal(await verdict(unscoped.owner.address, permitSingle(), concat([devnet.contracts.sessionKeyManager, await byHand(unscoped.grant, unscoped.key, permitSingle())])), '0xffffffff')

    const notInstalled = await scopedSession({ install: false })
    const signed = await signTypedDataWithSession(devnet.publicClient, { grant: notInstalled.grant, signer: notInstalled.key, typedData: permitSingle() })
    assert.equal(await verdict(notInstalled.owner.address, permitSingle(), signed), '0xffffffff')

    // A "manager" that is not installed on the account cannot vouch for a session (here: the validator module itself).
    const scoped = await scopedSession()
    const fake = await byHand(scoped.grant, scoped.key, permitSingle(), { manager: devnet.contracts.demoCounter })
    assert.equal(await verdict(scoped.owner.address, permitSingle(), fake), '0xffffffff')
  })

  it('works with a P-256 session signer too', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const install = encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, devnet.contracts.sessionTypedDataValidator, '0x'] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [{ to: owner.address, data: install }] })
    const signer = await webCryptoSessionSigner({ keyPair: await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) })
    const session = createSession({ signer, validFor: 3600, permissions: [typedDataPermission({ scope: [{ domain: permit2Domain(), types: permitTypes, primaryType: 'PermitSingle' }] })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const signature = await signTypedDataWithSession(devnet.publicClient, { grant: grants[0]!, signer, typedData: permitSingle() })
    assert.equal(await verdict(owner.address, permitSingle(), signature), MAGIC)
  })
})

describe('describeSession of a typed-data permission', () => {
  it('says what the session may sign, and warns that field values are not bounded', () => {
    const session = createSession({
      signer: privateKeyToAccount(generatePrivateKey()).address,
      validFor: 60,
      permissions: [typedDataPermission({ scope: [{ domain: permit2Domain(), types: permitTypes, primaryType: 'PermitSingle' }] })],
    })
    const text = describeSession(session)
    assert.match(text, /^1\. Sign EIP-712 typed data for the account \(ERC-1271 through .*, bound to this account\), only: domain 0x[0-9a-f]+…[0-9a-f]+ \(32 bytes\), type 0x/m)
    assert.doesNotMatch(text, /does not know/)
    assert.match(text, /WARNING: permission 1 lets the session sign typed data of the listed domains and types with any field values/)
  })
})

describe('a typed-data scope cannot reach the account itself', () => {
  it("a session scoped to the manager's ApproveSession cannot approve a new session (the module answers no validator of the account)", async () => {
    const owner = await deployedOwnerAccount(devnet)
    const install = encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, devnet.contracts.sessionTypedDataValidator, '0x'] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [{ to: owner.address, data: install }] })
    // A scope a careless owner could be talked into: the manager's own approval type in its own domain.
    const attacker = privateKeyToAccount(generatePrivateKey())
    const wanted = createSession({ signer: attacker.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
    const epoch = 0n
    const approval = sessionApprovalTypedData(devnet.chainId, devnet.contracts.sessionKeyManager, owner.address, epoch, wanted)
    const scoped = createSession({ signer: attacker.address, validFor: 3600, permissions: [typedDataPermission({ scope: [{ domain: approval.domain!, types: approval.types, primaryType: 'ApproveSession' }] })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [scoped] })
    // The session signs the approval of `wanted` in scope; offered as the owner's approval, the manager refuses it.
    const signature = await signTypedDataWithSession(devnet.publicClient, { grant: grants[0]!, signer: attacker, typedData: approval as TypedDataDefinition })
    const forged: SessionGrant = { chainId: devnet.chainId, account: owner.address, manager: devnet.contracts.sessionKeyManager, session: wanted, digest: sessionDigest(wanted), grant: { type: 'approval', epoch, approval: signature } }
    const op = await sessionOpByHand(devnet, { grant: forged, signer: attacker, callData: encodeExecute([{ to: devnet.contracts.demoCounter, data: countData }]), permissionIndices: [0], declaredTime: Number((await devnet.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(devnet, op), /SessionApprovalInvalid/)
    // Asked by the manager (an installed validator) the module says no; asked by an application it would say yes.
    const asManager = await devnet.publicClient.readContract({ account: devnet.contracts.sessionKeyManager, address: owner.address, abi: latchkeyAccountAbi, functionName: 'isValidSignature', args: [hashTypedData(approval as TypedDataDefinition), signature] })
    assert.equal(asManager, '0xffffffff')
    assert.equal(await verdict(owner.address, approval as TypedDataDefinition, signature), MAGIC)
  })
})
