/**
 * Issue 13, "third-party accounts, first class": the Latchkey SDK drives the SessionKeyManager on an owner's
 * Safe built by permissionless.js (`toSafeSmartAccount`, ERC-7579 mode: Rhinestone's Safe7579 adapter and
 * launchpad), the object a permissionless user already has. Every op goes through the real Alto bundler.
 *
 * The Safe's contracts are the ones test/fixtures/safe7579Account.ts deploys (the version
 * `@rhinestone/modulekit@0.5.9` precompiles): Safe7579 is permissionless's `safe4337ModuleAddress`, plus its
 * `erc7579LaunchpadAddress`, `safeProxyFactoryAddress` and `safeSingletonAddress`. permissionless deploys the
 * Safe by its first userOp (its own initCode: the Safe proxy factory, the launchpad's `setupSafe`); its
 * userOps are signed by the Safe owners (the nonce key viem picks names no installed validator, so Safe7579
 * checks the Safe owners' signatures over its SafeOp).
 *
 * After building the object, the test uses only the SDK's public calls with it:
 * 1. `grantSessions` installs the manager (the SDK reads `accountId()`: Safe7579 takes the root as is) and,
 *    on a Safe deployed with the manager among permissionless's `validators`, sets the root;
 * 2. `createSessionApproval({ account: safe })` with no `signApproval`: the approval is permissionless's own
 *    `signTypedData` (see the approval test for the form it produces and why Safe7579 accepts it);
 * 3. `toSessionAccount` without a nonce key (the SDK reads the kind from `accountId()`), each session used
 *    twice;
 * 4. an out-of-scope call refused with the rule named: off chain `SessionCallRefusedError`; with
 *    `precheck: false`, the SDK's `UserOperationValidationError` whose reason names `SessionCallNotPermitted`
 *    (Safe7579 hides the manager's revert behind a bare AA23; the SDK asks the manager);
 * 5. `revokeSessions`, then refused.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, hashTypedData, parseAbi, recoverTypedDataAddress, size, slice, zeroAddress, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { SmartAccount, UserOperation } from 'viem/account-abstraction'
import { toSafeSmartAccount } from 'permissionless/accounts'
import { demoCounterAbi } from '@latchkey/contracts'
import { checkValidationRules } from '@latchkey/devnet'
import {
  buildSessionTree,
  createSession,
  createSessionApproval,
  getSessionStatus,
  grantSessions,
  permission,
  revokeSessions,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  sessionApprovalTypedData,
  sessionDigest,
  SessionNotUsableError,
  toSessionAccount,
  UserOperationValidationError,
  type Call,
  type Session,
  type SessionGrant,
} from '@latchkey/sdk'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { deploySafe7579, type Safe7579Contracts } from './fixtures/safe7579Account.ts'
import { useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'

let devnet: DevnetFixture
let contracts: Safe7579Contracts

before(async () => {
  devnet = await useThirdPartyDevnet()
  contracts = await deploySafe7579(devnet)
})

const manager = () => devnet.contracts.sessionKeyManager
const count = (): Call => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })
/** A call no session here permits: DemoCounter.refuse(1) (the sessions allow only count()). */
const outOfScope = (): Call => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [1n] }) })
const counted = (account: Address) => devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
const accountAbi = parseAbi([
  'function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool)',
  'function accountId() view returns (string)',
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
  'function getOwners() view returns (address[])',
])
const managerInstalled = (account: Address) =>
  devnet.publicClient.readContract({ address: account, abi: accountAbi, functionName: 'isModuleInstalled', args: [1n, manager(), '0x'] })

/** A session of `key` for DemoCounter.count() only, with the SDK's default gas policy. */
const countSession = (key: PrivateKeyAccount): Session =>
  createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })

/**
 * The validator a Safe7579 nonce selects: its top 20 bytes (`validator (20) ‖ key (4) ‖ sequence (8)`). The
 * owner's ops of a permissionless Safe take the key viem's `toSmartAccount` picks (0, then timestamp keys from
 * its nonce-key manager, unless `nonceKey` is given): small numbers whose top 20 bytes name no installed
 * validator, so Safe7579 checks the Safe owners' signatures.
 */
const validatorOf = (op: UserOperation<'0.7'>): Address => `0x${(op.nonce >> 96n).toString(16).padStart(40, '0')}`
const isValidator = (account: Address, module: Address) =>
  devnet.publicClient.readContract({ address: account, abi: accountAbi, functionName: 'isModuleInstalled', args: [1n, module, '0x'] })

/** The mode byte of a session signature (docs/sessions.md §5): 0x00 root, 0x01 enable, 0x02 recorded. */
const modeOf = (op: UserOperation<'0.7'>): Hex => slice(op.signature, 0, 1)

/** The owner's Safe as permissionless builds it, on our Safe7579 deployment; `validators` installed at deployment. */
async function permissionlessSafe(owner: PrivateKeyAccount, validators: { address: Address; context: Hex }[] = []) {
  const safe = await toSafeSmartAccount({
    client: devnet.publicClient,
    owners: [owner],
    version: '1.4.1',
    entryPoint: { address: devnet.entryPoint, version: '0.7' },
    safe4337ModuleAddress: contracts.safe7579,
    erc7579LaunchpadAddress: contracts.launchpad,
    safeProxyFactoryAddress: contracts.safeProxyFactory,
    safeSingletonAddress: contracts.safeSingleton,
    validators,
  })
  await devnet.fund(safe.address)
  return safe
}

/** Sends `calls` from `account` through Alto with the SDK's fees and asserts the op succeeded. */
async function send(account: SmartAccount, calls: Call[]) {
  const result = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls })
  assert.equal(result.success, true)
  return result
}

/** Asserts `promise` rejects with the SDK's UserOperationValidationError whose reason matches `rule`; returns the reason. */
async function refusedOnChain(promise: Promise<unknown>, rule: RegExp): Promise<string> {
  let reason = ''
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserOperationValidationError, String(error))
    assert.match(error.reason, rule)
    reason = error.reason
    return true
  })
  return reason
}

describe("permissionless.js's toSafeSmartAccount (Safe7579), driven by the Latchkey SDK", () => {
  let owner: PrivateKeyAccount
  let safe: Awaited<ReturnType<typeof permissionlessSafe>>
  let rootKey: PrivateKeyAccount
  let rootGrant: SessionGrant
  let approvedKey: PrivateKeyAccount
  let approvedGrant: SessionGrant

  before(async () => {
    owner = privateKeyToAccount(generatePrivateKey())
    safe = await permissionlessSafe(owner)
  })

  it("the Safe's first userOp (permissionless's initCode, the Safe owners' path) deploys it (its ERC-7562 findings printed)", async (t) => {
    // permissionless's initCode calls the Safe proxy factory itself (it cannot stake) and the launchpad
    // writes module storage for the account in validation: ERC-7562 findings a safe-mode bundler would
    // act on (the devnet's Alto runs --safe-mode false). Printed, not asserted: it is the vendor's path.
    const prepared = (await devnet.bundlerClient.prepareUserOperation({ account: safe, calls: [count()] })) as UserOperation<'0.7'>
    const violations = await checkValidationRules(devnet.publicClient, { userOperation: { ...prepared, signature: await safe.signUserOperation(prepared) }, factoryStaked: false })
    const names = new Map(Object.entries(contracts).map(([name, address]) => [address.toLowerCase(), name]))
    const named = violations.map((v) => `${v.rule} in ${names.get(v.address.toLowerCase()) ?? v.address}: ${v.detail}`)
    t.diagnostic(named.length === 0 ? 'deploying op: no ERC-7562 violation' : `deploying op, ERC-7562: ${named.join('; ')}`)

    const { userOperation } = await send(safe, [count()])
    assert.notEqual(userOperation.factory, undefined)
    assert.ok(!(await isValidator(safe.address, validatorOf(userOperation))))
    assert.equal(await devnet.publicClient.readContract({ address: safe.address, abi: accountAbi, functionName: 'accountId' }), 'rhinestone.safe7579.v1.0.0')
    assert.deepEqual(await devnet.publicClient.readContract({ address: safe.address, abi: accountAbi, functionName: 'getOwners' }), [owner.address])
    assert.equal(await counted(safe.address), 1n)
  })

  it('grantSessions installs the manager (install data from accountId()); the root session used twice through Alto', async (t) => {
    assert.equal(await managerInstalled(safe.address), false)
    rootKey = privateKeyToAccount(generatePrivateKey())
    const { grants, receipt } = await grantSessions(devnet.bundlerClient, { account: safe, manager: manager(), sessions: [countSession(rootKey)] })
    rootGrant = grants[0]!
    t.diagnostic(`the owner's op: nonce key ${receipt.userOperation.nonce >> 64n} (viem's nonce-key manager), validator slot ${validatorOf(receipt.userOperation)}`)
    assert.ok(!(await isValidator(safe.address, validatorOf(receipt.userOperation))), "the owner's op selects no installed validator: the Safe owners' path")
    assert.equal(await managerInstalled(safe.address), true)

    const user = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
    for (let use = 0; use < 2; use++) {
      const { userOperation } = await send(user, [count()])
      assert.equal(modeOf(userOperation), '0x00')
      assert.equal((userOperation.nonce >> 64n) >> 32n, BigInt(manager()), 'the nonce key selects the manager (manager (20) ‖ key (4))')
    }
    assert.equal(await counted(safe.address), 3n)
  })

  it("createSessionApproval with permissionless's own signTypedData: Safe7579 accepts it; the approved session used twice (enable, then recorded)", async (t) => {
    approvedKey = privateKeyToAccount(generatePrivateKey())
    const session = countSession(approvedKey)
    approvedGrant = await createSessionApproval({ account: safe, manager: manager(), session })
    assert.equal(approvedGrant.grant.type, 'approval')
    const approval = approvedGrant.grant.type === 'approval' ? approvedGrant.grant.approval : '0x'

    // The form permissionless produces: 20 zero bytes ‖ the owner's EIP-712 signature (r, s, v 27/28) of
    // SafeMessage(bytes message) with message = the ApproveSession hash (32 bytes), in the domain
    // {chainId, verifyingContract: the Safe}. Safe7579 reads the first 20 bytes as a validator: address 0
    // is none, so it hands the rest to the Safe's own checkSignatures over the SafeMessage hash of
    // abi.encode(hash) (the same 32 bytes): the Safe-native form of docs/accounts.md.
    const approvalHash = approvalHashOf(approvedGrant)
    assert.equal(size(approval), 20 + 65)
    assert.equal(slice(approval, 0, 20), zeroAddress)
    const signer = await recoverTypedDataAddress({
      domain: { chainId: devnet.chainId, verifyingContract: safe.address },
      types: { SafeMessage: [{ name: 'message', type: 'bytes' }] },
      primaryType: 'SafeMessage',
      message: { message: approvalHash },
      signature: slice(approval, 20),
    })
    assert.equal(signer, owner.address)
    assert.equal(
      await devnet.publicClient.readContract({ address: safe.address, abi: accountAbi, functionName: 'isValidSignature', args: [approvalHash, approval] }),
      '0x1626ba7e',
    )
    t.diagnostic(`approval (${size(approval)} bytes): ${slice(approval, 0, 20)} ‖ ECDSA(SafeMessage(ApproveSession hash)), v ${BigInt(slice(approval, 84))}`)

    const user = await toSessionAccount({ client: devnet.publicClient, grant: approvedGrant, signer: approvedKey })
    const before = await counted(safe.address)
    const first = await send(user, [count()])
    const second = await send(user, [count()])
    assert.deepEqual([modeOf(first.userOperation), modeOf(second.userOperation)], ['0x01', '0x02'])
    assert.equal(await counted(safe.address), before + 2n)
  })

  it('an out-of-scope call is refused with the rule named: off chain (SessionCallRefusedError), on chain with precheck off (SessionCallNotPermitted, recovered from the bare AA23)', async (t) => {
    const before = await counted(safe.address)
    for (const [key, grant] of [
      [rootKey, rootGrant],
      [approvedKey, approvedGrant],
    ] as const) {
      const checked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
      await assert.rejects(send(checked, [outOfScope()]), (error: unknown) => {
        assert.ok(error instanceof SessionCallRefusedError, String(error))
        assert.equal(error.rule, 'selector')
        return true
      })
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false })
      const reason = await refusedOnChain(send(unchecked, [outOfScope()]), new RegExp(`SessionCallNotPermitted\\(0, ${devnet.contracts.demoCounter}, 0x[0-9a-f]{8}\\)`, 'i'))
      assert.match(reason, /AA23 reverted.*the validator's own answer/)
      t.diagnostic(`${grant.grant.type}: ${reason}`)
    }
    assert.equal(await counted(safe.address), before)
  })

  it('revokeSessions (each by digest, through the Safe owners): both refused off chain (SessionNotUsableError) and on chain (SessionIsRevoked)', async () => {
    await revokeSessions(devnet.bundlerClient, { account: safe, manager: manager(), sessions: [rootGrant.digest, approvedGrant.digest] })
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [rootGrant, approvedGrant]), ['revoked', 'revoked'])
    const before = await counted(safe.address)
    for (const [key, grant] of [
      [rootKey, rootGrant],
      [approvedKey, approvedGrant],
    ] as const) {
      const checked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
      await assert.rejects(send(checked, [count()]), (error: unknown) => {
        assert.ok(error instanceof SessionNotUsableError, String(error))
        assert.equal(error.rule, 'revoked')
        return true
      })
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false })
      await refusedOnChain(send(unchecked, [count()]), new RegExp(`SessionIsRevoked\\(${grant.digest}\\)`, 'i'))
    }
    assert.equal(await counted(safe.address), before)
  })
})

describe("permissionless.js's toSafeSmartAccount with the manager among its validators (installed by the first userOp)", () => {
  it('the first userOp deploys the Safe with the manager and a root; the session used twice; grantSessions then sets a new root', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const key = privateKeyToAccount(generatePrivateKey())
    const session = countSession(key)
    const digest = sessionDigest(session)
    const tree = buildSessionTree([digest])
    const safe = await permissionlessSafe(owner, [{ address: manager(), context: tree.root }])

    const { userOperation } = await send(safe, [count()])
    assert.notEqual(userOperation.factory, undefined)
    assert.equal(await managerInstalled(safe.address), true)
    const grant: SessionGrant = { chainId: devnet.chainId, account: safe.address, manager: manager(), session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
    const user = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
    await send(user, [count()])
    await send(user, [count()])
    assert.equal(await counted(safe.address), 3n)

    // Installed: grantSessions replaces the root (setMerkleRoot); the old session is no longer granted.
    const nextKey = privateKeyToAccount(generatePrivateKey())
    const { grants } = await grantSessions(devnet.bundlerClient, { account: safe, manager: manager(), sessions: [countSession(nextKey)] })
    const next = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: nextKey })
    await send(next, [count()])
    await send(next, [count()])
    assert.equal(await counted(safe.address), 5n)
    await assert.rejects(send(user, [count()]), (error: unknown) => {
      assert.ok(error instanceof SessionNotUsableError, String(error))
      assert.equal(error.rule, 'not-granted')
      return true
    })
  })
})

/** The EIP-712 hash of the ApproveSession a grant's approval signs (what the manager asks the account's isValidSignature about). */
function approvalHashOf(grant: SessionGrant): Hex {
  if (grant.grant.type !== 'approval') throw new Error('not an approval grant')
  return hashTypedData(sessionApprovalTypedData(grant.chainId, grant.manager, grant.account, grant.grant.epoch, grant.session))
}
