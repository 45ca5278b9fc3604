/**
 * Issue 13, defect 1, and the third-party matrix's "any-target against installed modules": an any-target
 * session (a permission with target 0 and a function) must never reach a module installed on the account.
 * Before the fix (a9e83d1, 0b55f7a) the manager asked `isModuleInstalled(3, target, abi.encodePacked(selector))`
 * (4 bytes) and read a revert as "not installed": on Safe7579 and Rhinestone's MSA, which revert on a 4-byte
 * context, such a session called an installed fallback handler directly. Now the manager asks the questions of
 * docs/security.md §3 and takes any revert or odd answer as "installed" (SessionTargetForbidden).
 *
 * On each of the five accounts (test/fixtures/accountDrivers.ts): the SessionKeyManager installed with the
 * root of one session written by hand, any-target for PingFallback's `ping()`, a CountingHook function, the
 * ForwardingExecutor's `forward` and, as the control, DemoCounter's `count()`; PingFallback installed as the
 * fallback handler of `ping()`, the ForwardingExecutor as executor and the CountingHook as hook (where the
 * account has hooks). The attacker holds the session key, signs each op by hand and sends it to handleOps as
 * its own bundler (test/fixtures/ownBundler.ts).
 */
import { describe, it, before, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi, toFunctionSelector, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { SmartAccount } from 'viem/account-abstraction'
import { demoCounterAbi } from '@latchkey/contracts'
import { forwardingExecutorAbi, forwardingExecutorBytecode, pingFallbackAbi, pingFallbackBytecode } from '@latchkey/contracts/testing'
import { buildSessionTree, encodeExecute, sendUserOperationAndWait, sessionDigest, type SessionGrant } from '@latchkey/sdk'
import { checkValidationRules } from '@latchkey/devnet'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { anyTargetSession } from './fixtures/sessions.ts'
import { accountDrivers, type AccountDriver } from './fixtures/accountDrivers.ts'
import { MODULE_TYPE } from './fixtures/erc7579TestAccount.ts'
import { assertRefusedInValidation, managerVerdict, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { countingHookAbi, deployCountingHook, deployCreate2, useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'

let devnet: DevnetFixture
let pingFallback: Address
let forwardingExecutor: Address
let countingHook: Address

before(async () => {
  devnet = await useThirdPartyDevnet()
  pingFallback = await deployCreate2(devnet, 'PingFallback', pingFallbackBytecode)
  forwardingExecutor = await deployCreate2(devnet, 'ForwardingExecutor', forwardingExecutorBytecode)
  countingHook = await deployCountingHook(devnet)
})

const PING = toFunctionSelector('ping()')
const countingHookCallsAbi = parseAbi(['function preCheck(address msgSender, uint256 msgValue, bytes msgData) returns (bytes)'])
const PRE_CHECK = toFunctionSelector('preCheck(address,uint256,bytes)')
const FORWARD = toFunctionSelector('forward(address,address,bytes)')
const COUNT = toFunctionSelector('count()')

/** The session's permissions, by index: each any-target (target 0) for one function. */
const PERMISSION = { ping: 0, hook: 1, executor: 2, count: 3 } as const

const now = async () => Number((await devnet.publicClient.getBlock()).timestamp)
const pings = (account: Address) => devnet.publicClient.readContract({ address: pingFallback, abi: pingFallbackAbi, functionName: 'pings', args: [account] })
const preChecks = (account: Address) => devnet.publicClient.readContract({ address: countingHook, abi: countingHookAbi, functionName: 'preChecks', args: [account] })
const counted = (account: Address) =>
  devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })

function describeAnyTarget(d: AccountDriver) {
  describe(d.name, () => {
    let account: SmartAccount
    let attacker: PrivateKeyAccount
    let grant: SessionGrant

    /** A session op of the attacker's making one call to `to` under permission `index`, signed by hand. */
    const op = async (index: number, to: Address, data: Hex) =>
      sessionOpByHand(devnet, {
        grant,
        signer: attacker,
        callData: encodeExecute([{ to, data }]),
        permissionIndices: [index],
        declaredTime: await now(),
        nonceKey: d.nonceKey(devnet.contracts.sessionKeyManager),
      })

    /**
     * Submits `op` as the attacker's own bundler and asserts the manager refused it in validation as
     * SessionTargetForbidden(0, target): read from the EntryPoint's answer where the account passes it on,
     * and on every account from the manager itself (eth_call of validateUserOp from the account).
     */
    const assertForbidden = async (t: TestContext, userOp: Awaited<ReturnType<typeof op>>, target: Address) => {
      const verdict = await managerVerdict(devnet, userOp)
      const outcome = await submitAsOwnBundler(devnet, userOp)
      t.diagnostic(`EntryPoint: ${outcome.included ? 'included' : outcome.reason}; manager: ${verdict.valid ? 'valid' : verdict.reason}`)
      if (d.managerRefusal.reason === 'visible') {
        assertRefusedInValidation(outcome, new RegExp(`AA23 reverted: SessionTargetForbidden\\(0, ${target}\\)`, 'i'))
      } else {
        // Safe7579: the EntryPoint's answer is a bare AA23 (ExecutionFailed()); the rule is the manager's verdict.
        assertRefusedInValidation(outcome, d.managerRefusal.pattern)
      }
      assert.equal(verdict.valid, false, 'the manager accepted the op')
      if (!verdict.valid) assert.deepEqual({ error: verdict.error, args: verdict.args.map((a) => String(a).toLowerCase()) }, { error: 'SessionTargetForbidden', args: ['0', target.toLowerCase()] })
    }

    before(async () => {
      await d.deploy(devnet)
      account = await d.newAccount()
      attacker = privateKeyToAccount(generatePrivateKey())
      // Written by hand: the SDK refuses any-target permissions with a function unless spelled 'any-unsafe'.
      const session = anyTargetSession(attacker.address, [PING, PRE_CHECK, FORWARD, COUNT], '0x13')
      const digest = sessionDigest(session)
      const tree = buildSessionTree([digest])
      const manager = devnet.contracts.sessionKeyManager
      // The owner's first userOp deploys the account and installs the manager (with the root), the fallback
      // handler, the executor and the hook.
      const { success } = await sendUserOperationAndWait(devnet.bundlerClient, {
        account,
        calls: [
          d.installCall(account.address, MODULE_TYPE.validator, manager, tree.root),
          d.installCall(account.address, MODULE_TYPE.fallback, pingFallback, '0x', { selector: PING }),
          d.installCall(account.address, MODULE_TYPE.executor, forwardingExecutor),
          ...(d.hooks.installable ? [d.installCall(account.address, MODULE_TYPE.hook, countingHook)] : []),
        ],
      })
      assert.equal(success, true)
      assert.equal(await devnet.publicClient.readContract({ address: pingFallback, abi: pingFallbackAbi, functionName: 'installed', args: [account.address] }), true)
      assert.equal(await devnet.publicClient.readContract({ address: countingHook, abi: countingHookAbi, functionName: 'installed', args: [account.address] }), d.hooks.installable)
      grant = { chainId: devnet.chainId, account: account.address, manager, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
    })

    it('refuses PingFallback.ping() called directly on the installed handler, in validation; pings stay 0', async (t) => {
      await assertForbidden(t, await op(PERMISSION.ping, pingFallback, PING), pingFallback)
      assert.equal(await pings(account.address), 0n)
    })

    it("refuses the installed executor's forward(), in validation", async (t) => {
      const forward = encodeFunctionData({
        abi: forwardingExecutorAbi,
        functionName: 'forward',
        args: [account.address, devnet.contracts.demoCounter, encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' })],
      })
      const before = await counted(account.address)
      await assertForbidden(t, await op(PERMISSION.executor, forwardingExecutor, forward), forwardingExecutor)
      assert.equal(await counted(account.address), before)
    })

    const preCheck = () => encodeFunctionData({ abi: countingHookCallsAbi, functionName: 'preCheck', args: [account.address, 0n, '0x'] })
    if (!d.hooks.installable) {
      it("has no hooks, so no hook's function to refuse", { skip: d.hooks.how }, () => {})
    } else if (d.hooks.reported) {
      it("refuses the installed hook's preCheck(), in validation", async (t) => {
        const before = await preChecks(account.address)
        await assertForbidden(t, await op(PERMISSION.hook, countingHook, preCheck()), countingHook)
        assert.equal(await preChecks(account.address), before)
      })
    } else {
      it("reaches the hook's preCheck(): the account cannot report its hooks (the known limit of docs/security.md §3)", async () => {
        // Kernel v3.1's isModuleInstalled answers false for type 4 whatever is installed, so the manager
        // cannot tell the hook from any contract: the call lands. If Kernel ever reports hooks (or the
        // manager learns to ask otherwise), this fails: then make it a refusal like the others.
        const before = await preChecks(account.address)
        const userOp = await op(PERMISSION.hook, countingHook, preCheck())
        assert.deepEqual(await managerVerdict(devnet, userOp), { valid: true, validationData: 0n })
        const outcome = await submitAsOwnBundler(devnet, userOp)
        assert.deepEqual({ included: outcome.included, success: outcome.included && outcome.success }, { included: true, success: true })
        assert.equal(await preChecks(account.address), before + 1n)
      })
    }

    it('lands the control: DemoCounter.count() under the same kind of permission, its validation ERC-7562 clean', async (t) => {
      const before = await counted(account.address)
      const userOp = await op(PERMISSION.count, devnet.contracts.demoCounter, COUNT)
      assert.deepEqual(await managerVerdict(devnet, userOp), { valid: true, validationData: 0n })
      // The guard asks the account isModuleInstalled eleven times during validation: none of those reads may
      // break a rule, in our code or in the account's (whose answers the guard caused).
      const violations = await checkValidationRules(devnet.publicClient, { userOperation: userOp, factoryStaked: true })
      t.diagnostic(violations.length === 0 ? 'ERC-7562: no violation' : `ERC-7562: ${JSON.stringify(violations)}`)
      assert.deepEqual(violations, [])
      const outcome = await submitAsOwnBundler(devnet, userOp)
      assert.deepEqual({ included: outcome.included, success: outcome.included && outcome.success }, { included: true, success: true })
      assert.equal(await counted(account.address), before + 1n)
      assert.equal(await pings(account.address), 0n)
    })
  })
}

for (const driver of accountDrivers()) describeAnyTarget(driver)
