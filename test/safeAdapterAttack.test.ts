/**
 * An any-target session against a Safe's own modules (found in review of issue 13). Safe7579's adapter is a
 * Safe module, not an ERC-7579 module of the account, so `isModuleInstalled` says nothing of it; and it takes
 * a call from the Safe as the EntryPoint's, or the Safe's own, when the last 20 calldata bytes say so
 * (ERC-2771). A session allowed `installModule` on any contract called the adapter with the Safe's address
 * appended: it installed an executor of the attacker's on the Safe, and the attacker then drove the Safe.
 * The manager now also asks a Safe `isModuleEnabled(target)`, and refuses. The op is signed by hand and sent
 * by the attacker, as its own bundler, to handleOps.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeFunctionData, parseAbi, toFunctionSelector, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { forwardingExecutorBytecode } from '@latchkey/contracts/testing'
import { buildSessionTree, encodeExecute, installedModule, sendUserOperationAndWait, sessionDigest, type SessionGrant } from '@latchkey/sdk'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { anyTargetSession } from './fixtures/sessions.ts'
import { safe7579Driver } from './fixtures/accountDrivers.ts'
import { MODULE_TYPE } from './fixtures/erc7579TestAccount.ts'
import { assertPermittedCountLands, assertRefusedInValidation, managerVerdict, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { deploySafe7579 } from './fixtures/safe7579Account.ts'
import { deployCreate2, useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'

const adapterAbi = parseAbi([
  'function installModule(uint256 moduleType, address module, bytes initData)',
  'function isModuleInstalled(uint256 moduleType, address module, bytes additionalContext) view returns (bool)',
])

let devnet: DevnetFixture
let adapter: Address
let executor: Address

before(async () => {
  devnet = await useThirdPartyDevnet()
  adapter = (await deploySafe7579(devnet)).safe7579
  executor = await deployCreate2(devnet, 'ForwardingExecutor', forwardingExecutorBytecode)
})

describe("an any-target session against a Safe's own module (Safe7579's adapter)", () => {
  it('is refused in validation: installModule on the adapter with the Safe as the ERC-2771 sender installs nothing', async () => {
    const driver = safe7579Driver()
    await driver.deploy(devnet)
    const account = await driver.newAccount()
    const attacker = privateKeyToAccount(generatePrivateKey())
    const installModule = toFunctionSelector('installModule(uint256,address,bytes)')
    const count = toFunctionSelector('count()')
    const session = anyTargetSession(attacker.address, [installModule, count], '0x2771')
    const digest = sessionDigest(session)
    const tree = buildSessionTree([digest])
    const manager = devnet.contracts.sessionKeyManager
    const { success } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [driver.installCall(account.address, MODULE_TYPE.validator, manager, tree.root)] })
    assert.equal(success, true)
    const grant: SessionGrant = { chainId: devnet.chainId, account: account.address, manager, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
    const now = async () => Number((await devnet.publicClient.getBlock()).timestamp)

    const spoofed = concat([encodeFunctionData({ abi: adapterAbi, functionName: 'installModule', args: [MODULE_TYPE.executor, executor, '0x'] }), account.address])
    const attack = await sessionOpByHand(devnet, { grant, signer: attacker, callData: encodeExecute([{ to: adapter, data: spoofed }]), permissionIndices: [0], declaredTime: await now(), nonceKey: driver.nonceKey(manager) })
    const verdict = await managerVerdict(devnet, attack)
    assert.ok(!verdict.valid, 'the manager accepted the op')
    if (!verdict.valid) assert.deepEqual([verdict.error, String(verdict.args[1]).toLowerCase()], ['SessionTargetForbidden', adapter.toLowerCase()])
    assertRefusedInValidation(await submitAsOwnBundler(devnet, attack), driver.managerRefusal.pattern)
    const installed = await devnet.publicClient.readContract({ address: account.address, abi: adapterAbi, functionName: 'isModuleInstalled', args: [MODULE_TYPE.executor, executor, '0x'] })
    assert.equal(installed, false, 'the executor was installed on the Safe')
    // The SDK asks the same question before granting such a permission.
    assert.equal((await installedModule(devnet.publicClient, account.address, adapter, installModule))?.why, 'safe-module')

    // The control: the same session's count() on any contract lands, so the refusal is for the rule.
    await assertPermittedCountLands(devnet, { grant, signer: attacker, permissionIndex: 1, nonceKey: driver.nonceKey(manager) })
  })
})
