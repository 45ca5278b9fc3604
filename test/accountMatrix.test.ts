/**
 * Issue 13's matrix: the SessionKeyManager on the five accounts of test/fixtures/accountDrivers.ts
 * (LatchkeyAccount, Nexus 1.0.0, Rhinestone's MSA, Safe7579 on a Safe, Kernel v3.1), every op through the
 * real Alto bundler, driven by the SDK as a user would: the owner's viem `SmartAccount` of each account,
 * `grantSessions`, `createSessionApproval`, `toSessionAccount` without a nonce key (the SDK reads the
 * account's kind from `accountId()`), `sendUserOperationAndWait`, `revokeSessions`.
 *
 * For each account:
 * 1. install: by `grantSessions` on the deployed account (the SDK picks the install data: Kernel's wrapped
 *    format), and, where the account takes validators at deployment, by the first userOp (initCode) with a root;
 * 2. root grant, and approval grant in every ERC-1271 form the account accepts (the driver's `approvalForms`:
 *    OwnerValidator-prefixed; Safe-native on Safe7579; Kernel's root `0x00` and validator `0x01` prefixes);
 * 3. each session used twice (the approved one: enable 0x01, then recorded 0x02);
 * 4. an out-of-scope call refused: off chain (SessionCallRefusedError) and, with `precheck: false`, on chain
 *    with the manager's rule in the SDK's UserOperationValidationError (Safe7579 hides it from the
 *    EntryPoint: the SDK asks the manager, managerRefusalReason);
 * 5. revoke one session, then all: refused off chain (SessionNotUsableError) and on chain;
 * 6. ERC-7562 on the traced validation of a steady session op: nothing of ours violates a rule; what the
 *    account's own code does is printed (t.diagnostic);
 * 7. steady gas: DemoCounter.count() by the owner's path and by a root session (default gas policy), each
 *    after a warm-up op of the same kind, at fixed fees, both paying their prefund in validation;
 *    actualGasUsed from the bundler's receipt, printed with its preVerificationGas (not asserted).
 *
 * `MATRIX_ACCOUNTS=umsa,kernel` (accountId prefixes) runs some accounts only.
 *
 * The any-target rows of the matrix (fallback handler, executor, hook) are test/anyTargetModules.test.ts.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi, parseEventLogs, parseGwei, slice, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { entryPoint07Abi, type SmartAccount, type UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi } from '@latchkey/contracts'
import { checkValidationRules, type ValidationViolation } from '@latchkey/devnet'
import {
  buildSessionTree,
  createSession,
  encodeExecute,
  createSessionApproval,
  getSessionStatus,
  grantSessions,
  permission,
  revokeSessions,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  sessionDigest,
  SessionNotUsableError,
  toSessionAccount,
  UserOperationValidationError,
  type Call,
  type Session,
  type SessionGrant,
} from '@latchkey/sdk'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { accountDrivers, type AccountDriver } from './fixtures/accountDrivers.ts'
import { useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'
import { assertRefusedInValidation, managerVerdict, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'

let devnet: DevnetFixture

before(async () => {
  devnet = await useThirdPartyDevnet()
})

const isModuleInstalledAbi = parseAbi(['function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool)'])

const count = (): Call => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })
/** A call no session here permits: DemoCounter.refuse(1) (the sessions allow only count()). */
const outOfScope = (): Call => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [1n] }) })
const counted = (account: Address) => devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
const managerInstalled = (account: Address) =>
  devnet.publicClient.readContract({ address: account, abi: isModuleInstalledAbi, functionName: 'isModuleInstalled', args: [1n, devnet.contracts.sessionKeyManager, '0x'] })

/** A session of `key` for DemoCounter.count() only, with the SDK's default gas policy. */
const countSession = (key: PrivateKeyAccount): Session =>
  createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })

/** The mode byte of a session signature (docs/sessions.md §5): 0x00 root, 0x01 enable, 0x02 recorded. */
const modeOf = (op: UserOperation<'0.7'>): Hex => slice(op.signature, 0, 1)

/** True when nonce key `key` selects the manager on the driver's account (with some free key bits). */
function selectsManager(d: AccountDriver, key: bigint): boolean {
  const manager = devnet.contracts.sessionKeyManager
  return [key & 0xffff_ffffn, key & 0xffffn, key >> 168n, 0n].some((free) => {
    try {
      return d.nonceKey(manager, free) === key
    } catch {
      return false
    }
  })
}

/**
 * Fixed fees for the gas measurement (5 gwei, tip 1 gwei, above the SDK's default ≈1 gwei here), so that the
 * measured op is in the steady state of an account without a standing EntryPoint deposit: it pays its
 * missing prefund to the EntryPoint in validation (what the warm-up left in the deposit is less than the
 * prefund at the same fees). With varying fees, a deposit left by an op at higher fees can cover the next
 * op, which then skips that transfer (≈9k gas less). Every other op of this file takes the SDK's default
 * fees, as a user's would.
 */
const FEES = { maxFeePerGas: parseGwei('5'), maxPriorityFeePerGas: parseGwei('1') }

/** Sends `calls` from `account` through Alto (the SDK's fees, or `fees`) and asserts the op succeeded; returns the SDK's result. */
async function send(account: SmartAccount, calls: Call[], fees?: typeof FEES) {
  const result = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls, fees })
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

/** One measured op: the receipt's actualGasUsed and the op's preVerificationGas (the bundler's figure, inside actualGasUsed). */
type Measured = { actualGasUsed: bigint; preVerificationGas: bigint }
/** The steady gas of one account, for the table printed at the end. */
type GasRow = { account: string; owner: Measured; session: Measured }
const gasTable: GasRow[] = []

after(() => {
  if (gasTable.length === 0) return
  const cell = (m: Measured) => `${m.actualGasUsed} (${m.actualGasUsed - m.preVerificationGas} + PVG ${m.preVerificationGas})`
  const lines = [
    'steady DemoCounter.count(), after a warm-up op of the same kind: actualGasUsed of the receipt (= EntryPoint-measured + preVerificationGas)',
    ...gasTable.map((r) => `  ${r.account}: owner ${cell(r.owner)}; root session ${cell(r.session)}; session - owner ${r.session.actualGasUsed - r.owner.actualGasUsed}`),
  ]
  console.log(lines.join('\n'))
})

function describeMatrix(d: AccountDriver) {
  describe(d.name, () => {
    const manager = () => devnet.contracts.sessionKeyManager
    let account: SmartAccount
    let rootKey: PrivateKeyAccount
    let rootGrant: SessionGrant
    /** The approved sessions, one per approval form, each used twice. */
    const approved: { form: string; key: PrivateKeyAccount; grant: SessionGrant }[] = []

    before(async () => {
      await d.deploy(devnet)
      account = await d.newAccount()
      // The owner's first userOp deploys the account.
      await send(account, [count()])
    })

    it('install by grantSessions on the deployed account (install data picked by the SDK), root grant used twice through Alto with the nonce key found by the SDK', async () => {
      assert.equal(await managerInstalled(account.address), false)
      rootKey = privateKeyToAccount(generatePrivateKey())
      const { grants } = await grantSessions(devnet.bundlerClient, { account, manager: manager(), sessions: [countSession(rootKey)] })
      rootGrant = grants[0]!
      assert.equal(await managerInstalled(account.address), true)

      const user = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
      const before = await counted(account.address)
      for (let use = 0; use < 2; use++) {
        const { userOperation } = await send(user, [count()])
        assert.ok(selectsManager(d, userOperation.nonce >> 64n), `nonce key ${(userOperation.nonce >> 64n).toString(16)} does not select the manager`)
        assert.equal(modeOf(userOperation), '0x00')
      }
      assert.equal(await counted(account.address), before + 2n)
    })

    for (const form of d.approvalForms) {
      it(`approval grant, owner's ERC-1271 signature "${form.name}", used twice: enable (0x01), then recorded (0x02)`, async (t) => {
        t.diagnostic(`${form.name}: ${form.how}`)
        const key = privateKeyToAccount(generatePrivateKey())
        const grant = await createSessionApproval({
          account,
          manager: manager(),
          session: countSession(key),
          signApproval: (typedData) => d.signApproval(account, typedData, form.name),
        })
        const user = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
        const before = await counted(account.address)
        const first = await send(user, [count()])
        const second = await send(user, [count()])
        assert.deepEqual([modeOf(first.userOperation), modeOf(second.userOperation)], ['0x01', '0x02'])
        assert.ok(selectsManager(d, second.userOperation.nonce >> 64n))
        assert.equal(await counted(account.address), before + 2n)
        approved.push({ form: form.name, key, grant })
      })
    }

    it('refuses an out-of-scope call: off chain (SessionCallRefusedError), and on chain with precheck off, the rule named in the SDK error', async (t) => {
      const checked = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
      await assert.rejects(send(checked, [outOfScope()]), (error: unknown) => {
        assert.ok(error instanceof SessionCallRefusedError, String(error))
        return true
      })
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey, precheck: false })
      const reason = await refusedOnChain(send(unchecked, [outOfScope()]), new RegExp(`SessionCallNotPermitted\\(0, ${devnet.contracts.demoCounter}, 0x[0-9a-f]{8}\\)`, 'i'))
      t.diagnostic(`UserOperationValidationError.reason: ${reason}`)
      if (d.managerRefusal.reason === 'hidden') assert.match(reason, /AA23 reverted.*the validator's own answer/)
    })

    it('ERC-7562: the validation of a steady session op breaks no rule in our code (the account\'s own findings printed)', async (t) => {
      const user = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
      const prepared = (await devnet.bundlerClient.prepareUserOperation({ account: user, calls: [count()] })) as UserOperation<'0.7'>
      const userOperation = { ...prepared, signature: await user.signUserOperation(prepared) }
      const violations = await checkValidationRules(devnet.publicClient, { userOperation, factoryStaked: true })
      const ours = new Set(Object.values(devnet.contracts).map((a) => String(a).toLowerCase()))
      const isOurs = (v: ValidationViolation) => ours.has(v.address.toLowerCase()) || (d.accountId.startsWith('latchkey.') && v.address.toLowerCase() === account.address.toLowerCase())
      const theirs = violations.filter((v) => !isOurs(v))
      t.diagnostic(theirs.length === 0 ? 'no violation at all' : `the account's own: ${JSON.stringify(theirs)}`)
      assert.deepEqual(violations.filter(isOurs), [])
    })

    it('steady gas: DemoCounter.count() by the owner and by a root session (warm-up op first, actualGasUsed)', async (t) => {
      const user = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
      /** Whether the op paid its prefund in validation (the EntryPoint's Deposited event for the account). */
      const paidPrefund = (r: Awaited<ReturnType<typeof send>>) =>
        parseEventLogs({ abi: entryPoint07Abi, eventName: 'Deposited', logs: r.receipt.logs }).some((log) => log.args.account.toLowerCase() === account.address.toLowerCase())
      const detail = (r: Awaited<ReturnType<typeof send>>) => {
        const op = r.userOperation
        return `actualGasUsed ${r.actualGasUsed} (preVerificationGas ${op.preVerificationGas}, verificationGasLimit ${op.verificationGasLimit}, callGasLimit ${op.callGasLimit}; bundle transaction gasUsed ${r.receipt.gasUsed})`
      }
      await send(account, [count()], FEES)
      const ownerOp = await send(account, [count()], FEES)
      await send(user, [count()], FEES)
      const sessionOp = await send(user, [count()], FEES)
      const measured = (r: typeof ownerOp): Measured => ({ actualGasUsed: r.actualGasUsed, preVerificationGas: r.userOperation.preVerificationGas })
      t.diagnostic(`owner: ${detail(ownerOp)}, prefund paid in validation: ${paidPrefund(ownerOp)}`)
      t.diagnostic(`session: ${detail(sessionOp)}, prefund paid in validation: ${paidPrefund(sessionOp)}`)
      assert.deepEqual([paidPrefund(ownerOp), paidPrefund(sessionOp)], [true, true], 'a measured op did not pay its prefund: not the steady state measured')
      gasTable.push({ account: d.name, owner: measured(ownerOp), session: measured(sessionOp) })
    })

    it('revoke one session: refused off chain (SessionNotUsableError) and on chain (SessionIsRevoked)', async () => {
      await revokeSessions(devnet.bundlerClient, { account, manager: manager(), sessions: [rootGrant.digest] })
      assert.deepEqual(await getSessionStatus(devnet.publicClient, [rootGrant]), ['revoked'])
      const before = await counted(account.address)
      const checked = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey })
      await assert.rejects(send(checked, [count()]), SessionNotUsableError)
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: rootGrant, signer: rootKey, precheck: false })
      await refusedOnChain(send(unchecked, [count()]), new RegExp(`SessionIsRevoked\\(${rootGrant.digest}\\)`, 'i'))
      assert.equal(await counted(account.address), before)
    })

    it('revoke all: the approved (recorded) sessions refused off chain (SessionNotUsableError) and on chain (the old approval: SessionApprovalInvalid; the record: SessionNotGranted)', async (t) => {
      assert.equal(approved.length, d.approvalForms.length)
      await revokeSessions(devnet.bundlerClient, { account, manager: manager(), sessions: 'all' })
      const before = await counted(account.address)
      for (const { form, key, grant } of approved) {
        const checked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
        await assert.rejects(send(checked, [count()]), SessionNotUsableError)
        // Unchecked, the SDK sees no record of this epoch and enables the session again with its approval,
        // which names the old epoch: the account's ERC-1271 check fails.
        const unchecked = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, precheck: false })
        const reason = await refusedOnChain(send(unchecked, [count()]), new RegExp(`SessionApprovalInvalid\\(${grant.digest}\\)`, 'i'))
        t.diagnostic(`${form}, enable again: ${reason}`)
        // The record itself (mode 0x02, built by hand and sent to handleOps as one's own bundler).
        const recorded = await sessionOpByHand(devnet, {
          grant,
          signer: key,
          callData: encodeExecute([count()]),
          permissionIndices: [0],
          declaredTime: Number((await devnet.publicClient.getBlock()).timestamp),
          mode: 'recorded',
          nonceKey: d.nonceKey(manager()),
        })
        const verdict = await managerVerdict(devnet, recorded)
        assert.deepEqual(verdict.valid ? verdict : verdict.reason.toLowerCase(), `SessionNotGranted(${grant.digest})`.toLowerCase())
        const outcome = await submitAsOwnBundler(devnet, recorded)
        assertRefusedInValidation(outcome, d.managerRefusal.reason === 'visible' ? /AA23 reverted: SessionNotGranted\(/ : d.managerRefusal.pattern)
        t.diagnostic(`${form}, the record: EntryPoint ${outcome.included ? 'included' : outcome.reason}; manager ${verdict.valid ? 'valid' : verdict.reason}`)
      }
      assert.equal(await counted(account.address), before)
    })

    if (d.validatorsAtDeployment) {
      it('install by the first userOp (initCode) with a root, then the session used twice', async () => {
        const key = privateKeyToAccount(generatePrivateKey())
        const session = countSession(key)
        const digest = sessionDigest(session)
        const tree = buildSessionTree([digest])
        const fresh = await d.newAccount({ extraValidators: [{ module: manager(), data: tree.root }] })
        const { userOperation } = await send(fresh, [count()])
        assert.notEqual(userOperation.factory, undefined)
        assert.equal(await managerInstalled(fresh.address), true)
        const grant: SessionGrant = { chainId: devnet.chainId, account: fresh.address, manager: manager(), session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }
        const user = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
        await send(user, [count()])
        await send(user, [count()])
        assert.equal(await counted(fresh.address), 3n)
      })
    } else {
      it('install by the first userOp', { skip: `${d.name} takes no validator but its owner's at deployment` }, () => {})
    }
  })
}

const only = process.env.MATRIX_ACCOUNTS?.split(',')
for (const driver of accountDrivers()) if (!only || only.some((p) => driver.accountId.toLowerCase().startsWith(p.toLowerCase()))) describeMatrix(driver)
