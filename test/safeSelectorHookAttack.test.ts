/**
 * An any-target session against a Safe7579 hook installed for one of the account's own functions. Safe7579
 * keeps a hook per account selector (hookType 1) and runs it around that function: a spending-limit hook on
 * `execute` is the usual case. The manager asked for a hook of the *call's* selector only, so the hook on
 * `execute` answered "not installed", and a session allowed `preCheck` on any contract reached it as the
 * account (a hook trusts its account as caller: the attacker could reconfigure the hook that guards it). The
 * manager now also asks for hooks of `execute` and `executeFromExecutor`, the functions a session's call runs
 * through. The op is signed by hand and sent by the attacker, as its own bundler, to handleOps.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi, toFunctionSelector, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { buildSessionTree, encodeExecute, installedModule, sendUserOperationAndWait, sessionDigest, type SessionGrant } from '@latchkey/sdk'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { anyTargetSession } from './fixtures/sessions.ts'
import { safe7579Driver } from './fixtures/accountDrivers.ts'
import { MODULE_TYPE } from './fixtures/erc7579TestAccount.ts'
import { assertPermittedCountLands, assertRefusedInValidation, managerVerdict, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { SAFE7579_HOOK_TYPE } from './fixtures/safe7579Account.ts'
import { countingHookAbi, deployCountingHook, useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'

const hookCallsAbi = parseAbi(['function preCheck(address msgSender, uint256 msgValue, bytes msgData) returns (bytes)'])
const ACCOUNT_FUNCTIONS = { execute: toFunctionSelector('execute(bytes32,bytes)'), executeFromExecutor: toFunctionSelector('executeFromExecutor(bytes32,bytes)') } as const

let devnet: DevnetFixture
let hook: Address

before(async () => {
  devnet = await useThirdPartyDevnet()
  hook = await deployCountingHook(devnet)
})

describe("an any-target session against a Safe7579 hook of the account's own function", () => {
  for (const [name, selector] of Object.entries(ACCOUNT_FUNCTIONS)) {
    it(`is refused in validation when the hook guards ${name}; the hook is not reached`, async () => {
      const driver = safe7579Driver()
      await driver.deploy(devnet)
      const account = await driver.newAccount()
      const attacker = privateKeyToAccount(generatePrivateKey())
      const session = anyTargetSession(attacker.address, [toFunctionSelector('preCheck(address,uint256,bytes)'), toFunctionSelector('count()')], selector)
      const digest = sessionDigest(session)
      const tree = buildSessionTree([digest])
      const manager = devnet.contracts.sessionKeyManager
      const { success } = await sendUserOperationAndWait(devnet.bundlerClient, {
        account,
        calls: [
          driver.installCall(account.address, MODULE_TYPE.validator, manager, tree.root),
          driver.installCall(account.address, MODULE_TYPE.hook, hook, '0x', { hookType: SAFE7579_HOOK_TYPE.selector, selector }),
        ],
      })
      assert.equal(success, true)
      assert.equal(await devnet.publicClient.readContract({ address: hook, abi: countingHookAbi, functionName: 'installed', args: [account.address] }), true)
      const grant: SessionGrant = { chainId: devnet.chainId, account: account.address, manager, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
      const now = async () => Number((await devnet.publicClient.getBlock()).timestamp)
      const preChecks = () => devnet.publicClient.readContract({ address: hook, abi: countingHookAbi, functionName: 'preChecks', args: [account.address] })

      const preCheck = encodeFunctionData({ abi: hookCallsAbi, functionName: 'preCheck', args: [account.address, 0n, '0x'] })
      const attack = await sessionOpByHand(devnet, { grant, signer: attacker, callData: encodeExecute([{ to: hook, data: preCheck }]), permissionIndices: [0], declaredTime: await now(), nonceKey: driver.nonceKey(manager) })
      const before = await preChecks()
      const verdict = await managerVerdict(devnet, attack)
      assert.ok(!verdict.valid, 'the manager accepted the op')
      if (!verdict.valid) assert.deepEqual([verdict.error, String(verdict.args[1]).toLowerCase()], ['SessionTargetForbidden', hook.toLowerCase()])
      assertRefusedInValidation(await submitAsOwnBundler(devnet, attack), driver.managerRefusal.pattern)
      assert.equal(await preChecks(), before, 'the hook was reached')
      // The SDK asks the same questions before granting or sending such a call.
      assert.ok(await installedModule(devnet.publicClient, account.address, hook, toFunctionSelector('preCheck(address,uint256,bytes)')))

      // The control: the same session's count() on any contract lands, so the refusal is for the rule.
      await assertPermittedCountLands(devnet, { grant, signer: attacker, permissionIndex: 1, nonceKey: driver.nonceKey(manager) })
    })
  }
})
