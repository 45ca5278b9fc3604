/**
 * Issue 13, defect 2: nothing planted before an installation counts. An any-target session once set a Merkle
 * root in a second SessionKeyManager that the account had not installed; the owner then revoked everything,
 * uninstalled the first manager and installed the second with no root, and the planted session, never granted
 * by the owner, moved the account's tokens. Now the manager takes configuration only from an account that
 * installed it, an installation starts clean, and no session may call any contract's onInstall/onUninstall.
 * Every attacking userOp is signed by hand and sent by the attacker, as its own bundler, to handleOps.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, encodeAbiParameters, encodeFunctionData, http, pad, toFunctionSelector, zeroAddress, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { demoTokenAbi, latchkeyAccountAbi, ownerValidatorAbi, sessionKeyManagerAbi, sessionKeyManagerBytecode } from '@latchkey/contracts'
import {
  buildSessionTree,
  encodeExecute,
  sendUserOperationAndWait,
  sessionDigest,
  sessionRootCalls,
  SessionCallRefusedError,
  toSessionAccount,
  type Permission,
  type Session,
  type SessionGrant,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { balanceOf, mintUsd } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
let secondManager: Address
let deployer: PrivateKeyAccount

before(async () => {
  devnet = await useDevnet()
  deployer = privateKeyToAccount(generatePrivateKey())
  await devnet.fund(deployer.address, '1')
  secondManager = await deployManager()
})

/** Another deployment of the SessionKeyManager (what a wallet may offer later, or a new version). */
async function deployManager(): Promise<Address> {
  const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: deployer })
  const hash = await wallet.deployContract({ abi: sessionKeyManagerAbi, bytecode: sessionKeyManagerBytecode })
  const { contractAddress } = await devnet.publicClient.waitForTransactionReceipt({ hash })
  return contractAddress!
}

const now = async () => Number((await devnet.publicClient.getBlock()).timestamp)

/** A session written out by hand (the SDK's builders refuse what these attacks need). */
function rawSession(signer: Address, permissions: Permission[]): Session {
  return { signerVerifier: zeroAddress, signer, validAfter: 0, validUntil: 0, permissions, gasPolicy: zeroAddress, gasPolicyConfig: '0x', salt: pad('0x01') }
}

/** Grants `session` on `manager` by writing its root (installing the manager if needed), as an owner could. */
async function grantByRoot(owner: Awaited<ReturnType<typeof deployedOwnerAccount>>, manager: Address, session: Session, installed: boolean): Promise<SessionGrant> {
  const digest = sessionDigest(session)
  const tree = buildSessionTree([digest])
  await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: sessionRootCalls(owner.address, manager, tree.root, installed) })
  return { chainId: devnet.chainId, account: owner.address, manager, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
}

const rootOf = (manager: Address, account: Address) =>
  devnet.publicClient.readContract({ address: manager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] })

describe('defect 2: a root planted in a manager before its installation', () => {
  it('cannot be planted by an any-target session, and so grants nothing after revoke-all, uninstall and install of that manager', async () => {
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000n)
    const attacker = privateKeyToAccount(generatePrivateKey())
    const thief = privateKeyToAccount(generatePrivateKey()).address

    // The session the attacker wants: token transfers, on the second manager. The owner never grants it.
    const stolen = rawSession(attacker.address, [{ target: devnet.contracts.demoToken, selector: toFunctionSelector('transfer(address,uint256)'), valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' }])
    const plantedTree = buildSessionTree([sessionDigest(stolen)])
    // The session the owner did grant: any contract, setMerkleRoot(bytes32) only (an any-target grant).
    const anyTarget = rawSession(attacker.address, [{ target: zeroAddress, selector: toFunctionSelector('setMerkleRoot(bytes32)'), valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' }])
    const granted = await grantByRoot(owner, devnet.contracts.sessionKeyManager, anyTarget, false)

    const plant = encodeExecute([{ to: secondManager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [plantedTree.root] }) }])
    const planting = await submitAsOwnBundler(devnet, await sessionOpByHand(devnet, { grant: granted, signer: attacker, callData: plant, permissionIndices: [0], declaredTime: await now() }))
    // The op passes validation (the second manager is not installed, so not a module of the account), and
    // its call is refused by the second manager: nothing is written.
    assert.deepEqual({ included: planting.included, success: planting.included && planting.success }, { included: true, success: false })
    assert.equal(await rootOf(secondManager, owner.address), pad('0x00', { size: 32 }))

    // The owner revokes everything, uninstalls the first manager and installs the second with no root.
    const uninstall = encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'uninstallModule', args: [1n, devnet.contracts.sessionKeyManager, '0x'] })
    const install = encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [1n, secondManager, '0x'] })
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account: owner,
      calls: [
        { to: devnet.contracts.sessionKeyManager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'revokeAllSessions' }) },
        { to: owner.address, data: uninstall },
        { to: owner.address, data: install },
      ],
    })

    // The planted session, used on the second manager: not granted, and the tokens stay.
    const planted: SessionGrant = { ...granted, manager: secondManager, session: stolen, digest: sessionDigest(stolen), grant: { type: 'root', root: plantedTree.root, proof: [] } }
    const transfer = encodeExecute([{ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'transfer', args: [thief, 1_000n] }) }])
    const theft = await submitAsOwnBundler(devnet, await sessionOpByHand(devnet, { grant: planted, signer: attacker, callData: transfer, permissionIndices: [0], declaredTime: await now() }))
    assertRefusedInValidation(theft, /AA23.*SessionNotGranted/)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, thief), 0n)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, owner.address), 1_000n)
  })

  it('no session may call onInstall or onUninstall, even under a permission that names the contract', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const attacker = privateKeyToAccount(generatePrivateKey())
    const onInstall = toFunctionSelector('onInstall(bytes)')
    const onUninstall = toFunctionSelector('onUninstall(bytes)')
    const session = rawSession(attacker.address, [
      { target: secondManager, selector: onInstall, valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' },
      { target: secondManager, selector: onUninstall, valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' },
    ])
    const grant = await grantByRoot(owner, devnet.contracts.sessionKeyManager, session, false)
    const root = pad('0x123400', { size: 32 })
    for (const [index, data] of [
      encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onInstall', args: [root] }),
      encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onUninstall', args: ['0x'] }),
    ].entries()) {
      const op = await sessionOpByHand(devnet, { grant, signer: attacker, callData: encodeExecute([{ to: secondManager, data }]), permissionIndices: [index], declaredTime: await now() })
      assertRefusedInValidation(await submitAsOwnBundler(devnet, op), /AA23.*SessionTargetForbidden/)
    }
    assert.equal(await rootOf(secondManager, owner.address), pad('0x00', { size: 32 }))
    // The SDK names the same rule before sending.
    const checked = await toSessionAccount({ client: devnet.publicClient, grant, signer: attacker })
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [{ to: secondManager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onInstall', args: [root] }) }] }),
      (error: unknown) => error instanceof SessionCallRefusedError && error.rule === 'forbidden-target',
    )
  })
})

describe('the manager takes configuration only from an account that installed it', () => {
  /** A wallet standing in for an account: the manager knows its callers only as msg.sender. */
  const caller = async () => {
    const key = privateKeyToAccount(generatePrivateKey())
    await devnet.fund(key.address, '0.1')
    const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: key })
    const send = async (data: Hex) => devnet.publicClient.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: secondManager, data, gas: 300_000n }) })
    return { key, send }
  }
  const read = (account: Address) =>
    Promise.all([
      rootOf(secondManager, account),
      devnet.publicClient.readContract({ address: secondManager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account] }),
      devnet.publicClient.readContract({ address: secondManager, abi: sessionKeyManagerAbi, functionName: 'isInitialized', args: [account] }),
    ])

  it('refuses setMerkleRoot, revokeSessions and revokeAllSessions before installation, naming the rule', async () => {
    const { key } = await caller()
    const calls = [
      { functionName: 'setMerkleRoot', args: [pad('0x0100', { size: 32 })] },
      { functionName: 'revokeSessions', args: [[pad('0x02', { size: 32 })]] },
      { functionName: 'revokeAllSessions', args: [] },
    ] as const
    for (const call of calls) {
      await assert.rejects(
        devnet.publicClient.simulateContract({ address: secondManager, abi: sessionKeyManagerAbi, account: key, ...call } as Parameters<typeof devnet.publicClient.simulateContract>[0]),
        /SessionManagerNotInstalled/,
        call.functionName,
      )
    }
    assert.deepEqual(await read(key.address), [pad('0x00', { size: 32 }), 0n, false])
  })

  it('starts each installation clean: an install over an installed manager revokes everything, an uninstall forgets it', async () => {
    const { key, send } = await caller()
    const first = pad('0x0a00', { size: 32 })
    const second = pad('0x0b00', { size: 32 })
    await send(encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onInstall', args: [first] }))
    assert.deepEqual(await read(key.address), [first, 0n, true])
    // Installing again without uninstalling (some accounts re-run onInstall): everything before is revoked.
    await send(encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onInstall', args: [second] }))
    assert.deepEqual(await read(key.address), [second, 1n, true])
    await send(encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onUninstall', args: ['0x'] }))
    assert.deepEqual(await read(key.address), [pad('0x00', { size: 32 }), 2n, false])
    // Installed again with no data: no root, and the epoch moved past every earlier record and approval.
    await send(encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'onInstall', args: ['0x'] }))
    assert.deepEqual(await read(key.address), [pad('0x00', { size: 32 }), 2n, true])
  })

  it("the OwnerValidator, likewise, takes a new owner only from an account that installed it (no owner planted before the owner's install)", async () => {
    const { key } = await caller()
    const planted = encodeAbiParameters([{ type: 'address' }], [privateKeyToAccount(generatePrivateKey()).address])
    const validator = devnet.contracts.ownerValidator
    await assert.rejects(
      devnet.publicClient.simulateContract({ address: validator, abi: ownerValidatorAbi, functionName: 'setOwner', args: [planted], account: key }),
      /OwnerValidatorNotInstalled/,
    )
    const owner = encodeAbiParameters([{ type: 'address' }], [key.address])
    const install = await devnet.publicClient.waitForTransactionReceipt({
      hash: await createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: key }).writeContract({ address: validator, abi: ownerValidatorAbi, functionName: 'onInstall', args: [owner] }),
    })
    assert.equal(install.status, 'success')
    // Installed, it takes a new owner.
    await devnet.publicClient.simulateContract({ address: validator, abi: ownerValidatorAbi, functionName: 'setOwner', args: [planted], account: key })
  })

  it('refuses to record or use a session for an account that has not installed it (modes 0x01 and 0x02)', async () => {
    const { key } = await caller()
    const session = rawSession(key.address, [{ target: devnet.contracts.demoToken, selector: '0x00000000', valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' }])
    const grant: SessionGrant = { chainId: devnet.chainId, account: key.address, manager: secondManager, session, digest: sessionDigest(session), grant: { type: 'approval', epoch: 0n, approval: '0x1234' } }
    for (const mode of ['enable', 'recorded'] as const) {
      const op = await sessionOpByHand(devnet, { grant, signer: key, mode, callData: encodeExecute([{ to: devnet.contracts.demoToken, data: '0x' }]), permissionIndices: [0], declaredTime: await now() })
      await assert.rejects(
        devnet.publicClient.simulateContract({
          address: secondManager,
          abi: sessionKeyManagerAbi,
          functionName: 'validateUserOp',
          account: key,
          args: [
            {
              sender: key.address,
              nonce: 0n,
              initCode: '0x',
              callData: op.callData,
              accountGasLimits: pad('0x01', { size: 32 }),
              preVerificationGas: 0n,
              gasFees: pad('0x01', { size: 32 }),
              paymasterAndData: '0x',
              signature: op.signature,
            },
            pad('0x00', { size: 32 }),
          ],
        }),
        /SessionManagerNotInstalled/,
        mode,
      )
    }
  })
})
