/**
 * Our OwnerValidator module on a third-party ERC-7579 account, Biconomy's Nexus, through a real anvil and a
 * real Alto bundler: deployment by the first userOp, a steady userOp, and a wrong key refused; then the
 * SessionKeyManager on the same account (its portability test), policies included.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeFunctionData, hashTypedData, hexToBigInt, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { formatUserOperationRequest, getUserOperationHash, type UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, demoGameAbi, ownerValidatorAbi } from '@latchkey/contracts'
import {
  callPolicy,
  createSession,
  createSessionApproval,
  getSessionStatus,
  grantSessions,
  inRange,
  MODULE_TYPE_VALIDATOR,
  permission,
  revokeSessions,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  SessionNotUsableError,
  toSessionAccount,
  UserOperationValidationError,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { deployNexus, nexusAccountAbi, ownedNexusAccount, type NexusContracts } from './fixtures/nexusAccount.ts'

let devnet: DevnetFixture
let nexus: NexusContracts

before(async () => {
  devnet = await useDevnet()
  nexus = await deployNexus(devnet)
})

const count = () => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })

async function counted(account: Address) {
  return devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
}

const newNexusAccount = (owner: PrivateKeyAccount, signer: PrivateKeyAccount = owner) => ownedNexusAccount(devnet, nexus, owner, signer)

/** Sends a hand-made userOp straight to the bundler, bypassing the SDK's checks. */
async function sendRaw(op: UserOperation<'0.7'>): Promise<Hex> {
  return devnet.bundlerClient.request({ method: 'eth_sendUserOperation', params: [formatUserOperationRequest(op), devnet.entryPoint] }, { retryCount: 0 })
}

describe('Nexus with the OwnerValidator module', () => {
  it('deploys Nexus once per devnet', async () => {
    assert.deepEqual(await deployNexus(devnet), nexus)
    const implementationId = await devnet.publicClient.readContract({ address: nexus.implementation, abi: nexusAccountAbi, functionName: 'accountId' })
    assert.equal(implementationId, 'biconomy.nexus.1.0.0')
  })

  it('is deployed by its first userOp, which calls the counter', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const account = await newNexusAccount(owner)
    assert.equal(await devnet.publicClient.getCode({ address: account.address }), undefined)

    const { success, userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
    assert.equal(success, true)
    assert.equal(userOperation.factory, nexus.factory)
    // The nonce key is the validator's address (mode byte 0), sequence 0.
    assert.equal(userOperation.nonce >> 64n, BigInt(devnet.contracts.ownerValidator))
    assert.equal(userOperation.nonce & 0xffff_ffff_ffff_ffffn, 0n)

    const read = { address: account.address, abi: nexusAccountAbi } as const
    assert.equal(await devnet.publicClient.readContract({ ...read, functionName: 'accountId' }), 'biconomy.nexus.1.0.0')
    assert.equal(
      await devnet.publicClient.readContract({ ...read, functionName: 'isModuleInstalled', args: [MODULE_TYPE_VALIDATOR, devnet.contracts.ownerValidator, '0x'] }),
      true,
    )
    const moduleOwner = await devnet.publicClient.readContract({
      address: devnet.contracts.ownerValidator,
      abi: ownerValidatorAbi,
      functionName: 'ownerOf',
      args: [account.address],
    })
    assert.equal(moduleOwner, owner.address)
    assert.equal(await counted(account.address), 1n)
    assert.deepEqual(await account.getFactoryArgs(), { factory: undefined, factoryData: undefined })
  })

  it('runs a second userOp under the same nonce key', async (t) => {
    const account = await newNexusAccount(privateKeyToAccount(generatePrivateKey()))
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
    const { success, userOperation, actualGasUsed } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
    assert.equal(success, true)
    assert.equal(userOperation.factory, undefined)
    assert.equal(userOperation.nonce, (BigInt(devnet.contracts.ownerValidator) << 64n) | 1n)
    assert.equal(await counted(account.address), 2n)
    t.diagnostic(`steady Nexus + OwnerValidator userOp calling count(): actualGasUsed ${actualGasUsed}`)
  })

  it('refuses a userOp signed by another key (AA24): nothing executes, the nonce does not move', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const account = await newNexusAccount(owner)
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })

    // Straight to the bundler: Alto refuses it.
    const prepared = (await devnet.bundlerClient.prepareUserOperation({ account, calls: [count()] })) as UserOperation<'0.7'>
    const hash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: prepared })
    const intruder = privateKeyToAccount(generatePrivateKey())
    await assert.rejects(sendRaw({ ...prepared, signature: await intruder.signMessage({ message: { raw: hash } }) }), /AA24/)

    // Through the SDK: found while sizing gas, before anything is sent.
    const forged = await newNexusAccount(owner, intruder)
    assert.equal(forged.address, account.address)
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: forged, calls: [count()] }), (error: unknown) => {
      assert.ok(error instanceof UserOperationValidationError, String(error))
      assert.equal(error.code, 'AA24')
      return true
    })

    assert.equal(await counted(account.address), 1n)
    assert.equal(await account.getNonce(), (BigInt(devnet.contracts.ownerValidator) << 64n) | 1n)
  })
})

describe('SessionKeyManager on Nexus (a third-party ERC-7579 account)', () => {
  it('grants by root and by approval, uses and revokes sessions, with the manager selected in the Nexus nonce key', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const account = await newNexusAccount(owner)
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) }] })
    const manager = devnet.contracts.sessionKeyManager
    const countCall = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) }

    // Root: installs the manager on Nexus and sets the root in one owner userOp.
    const rootKey = privateKeyToAccount(generatePrivateKey())
    const rootSession = createSession({ signer: rootKey.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account, manager, sessions: [rootSession] })
    const nexusNonceKey = hexToBigInt(manager) // Nexus: mode byte 0 ‖ validator
    const rootUser = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: rootKey, nonceKey: nexusNonceKey })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: rootUser, calls: [countCall] })
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: rootUser, calls: [{ ...countCall, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [1n] }) }] }),
      SessionCallRefusedError,
    )

    // Approval: Nexus answers ERC-1271 through the OwnerValidator (signature = validator ‖ owner signature
    // of the validator's account-bound message hash).
    const approvedKey = privateKeyToAccount(generatePrivateKey())
    const approvedSession = createSession({ signer: approvedKey.address, validFor: 3600, permissions: rootSession.permissions })
    const grant = await createSessionApproval({
      account,
      manager,
      session: approvedSession,
      signApproval: async (typedData) => {
        const digest = await devnet.publicClient.readContract({
          address: devnet.contracts.ownerValidator,
          abi: ownerValidatorAbi,
          functionName: 'messageHash',
          args: [account.address, hashTypedData(typedData)],
        })
        return concat([devnet.contracts.ownerValidator, await owner.sign({ hash: digest })])
      },
    })
    const approvedUser = await toSessionAccount({ client: devnet.publicClient, grant, signer: approvedKey, nonceKey: nexusNonceKey })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: approvedUser, calls: [countCall] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: approvedUser, calls: [countCall] })
    assert.equal(await counted(account.address), 4n)

    await revokeSessions(devnet.bundlerClient, { account, manager, sessions: 'all' })
    assert.deepEqual(await getSessionStatus(devnet.publicClient, [grants[0]!, grant]), ['not-granted', 'not-granted'])
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: approvedUser, calls: [countCall] }), SessionNotUsableError)
    assert.equal(await counted(account.address), 4n)
  })

  it('enforces policies on Nexus as on our account: a game move in bounds passes, an off-board move and the per-period count are refused', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const account = await newNexusAccount(owner)
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
    const manager = devnet.contracts.sessionKeyManager
    const key = privateKeyToAccount(generatePrivateKey())
    const game = devnet.contracts.demoGame
    const session = createSession({
      signer: key.address,
      validFor: 3600,
      permissions: [callPolicy({ address: game, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)], limits: { calls: { max: 2n, period: 86_400 } } })],
    })
    const { grants } = await grantSessions(devnet.bundlerClient, { account, manager, sessions: [session] })
    const player = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key, nonceKey: hexToBigInt(manager) })
    const move = (x: number, y: number) => ({ to: game, data: encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [x, y] }) })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(1, 2), move(3, 4)] })
    assert.equal(await devnet.publicClient.readContract({ address: game, abi: demoGameAbi, functionName: 'movesOf', args: [account.address] }), 2n)
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(0, 8)] }), (error: unknown) => {
      assert.ok(error instanceof SessionCallRefusedError && error.rule === 'policy', String(error))
      return true
    })
    // Two moves used: a third in the same day is refused, off chain and (unchecked) on chain.
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(5, 5)] }), /limit|calls/)
    const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key, nonceKey: hexToBigInt(manager), precheck: false })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: unchecked, calls: [move(5, 5)] }), (error: unknown) => {
      assert.ok(error instanceof UserOperationValidationError, String(error))
      assert.match(error.reason, /PolicyLimitExceeded\(0, 2, 1, 2\)/)
      return true
    })
  })
})
