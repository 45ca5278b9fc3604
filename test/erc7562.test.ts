/**
 * ERC-7562 on real traces: the validation of every kind of userOp Latchkey sends is traced (anvil's
 * debug_traceCall with our JavaScript tracer) and checked with the account treated as unstaked. Three
 * negative controls prove the checker can fail: a module that reads TIMESTAMP, one keyed
 * `mapping(address account => mapping(bytes32 => …))`, and one that reads a fixed slot.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeAbiParameters, encodeFunctionData, hexToBigInt, parseEther, parseGwei, toFunctionSelector, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createWalletClient, http } from 'viem'
import type { SmartAccount, UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, demoGameAbi, demoTokenAbi, latchkeyAccountAbi } from '@latchkey/contracts'
import { fixedSlotValidatorAbi, fixedSlotValidatorBytecode, outerKeyedValidatorAbi, outerKeyedValidatorBytecode, timestampReadingValidatorAbi, timestampReadingValidatorBytecode } from '@latchkey/contracts/testing'
import { checkValidationRules, type ValidationViolation } from '@latchkey/devnet'
import {
  callPolicy,
  createSession,
  createSessionApproval,
  erc20Policy,
  gasPolicy,
  inRange,
  type Call,
  grantSessions,
  permission,
  sendUserOperationAndWait,
  toLatchkeyAccount,
  toSessionAccount,
  validatorNonceKey,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { deployNexus, ownedNexusAccount } from './fixtures/nexusAccount.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const count = () => ({ to: devnet.contracts.demoCounter, data: countData })

/** Prepares and signs a userOp (nothing sent), traces its validation, then sends it so state moves on. */
async function traceAndSend(
  account: SmartAccount,
  options: { factoryStaked?: boolean; nonceKey?: bigint; send?: boolean; calls?: Call[] } = {},
): Promise<ValidationViolation[]> {
  const calls = options.calls ?? [count()]
  const nonce = options.nonceKey === undefined ? undefined : await account.getNonce({ key: options.nonceKey })
  const prepared = (await devnet.bundlerClient.prepareUserOperation({ account, calls, ...(nonce === undefined ? {} : { nonce }) })) as UserOperation<'0.7'>
  const userOperation = { ...prepared, signature: await account.signUserOperation(prepared) }
  const violations = await checkValidationRules(devnet.publicClient, { userOperation, factoryStaked: options.factoryStaked ?? true })
  if (options.send !== false) await sendUserOperationAndWait(devnet.bundlerClient, { account, calls, nonceKey: options.nonceKey })
  return violations
}

describe('every kind of Latchkey userOp passes ERC-7562 (account unstaked)', () => {
  it('owner, built-in path: the first userOp (deploying, staked factory) and a steady one', async () => {
    const account = await toLatchkeyAccount({ client: devnet.publicClient, owner: privateKeyToAccount(generatePrivateKey()), factory: devnet.contracts.accountFactory })
    await devnet.fund(account.address)
    assert.deepEqual(await traceAndSend(account), [])
    assert.deepEqual(await traceAndSend(account), [])
  })

  it('owner through the OwnerValidator: the first userOp needs the staked factory (STO-022), a steady one passes', async () => {
    const account = await toLatchkeyAccount({ client: devnet.publicClient, owner: privateKeyToAccount(generatePrivateKey()), factory: devnet.contracts.accountFactory, ownerValidator: devnet.contracts.ownerValidator })
    await devnet.fund(account.address)
    const unstaked = await traceAndSend(account, { factoryStaked: false, send: false })
    assert.ok(unstaked.length > 0 && unstaked.every((v) => v.rule === 'STO-022'), JSON.stringify(unstaked))
    assert.deepEqual(await traceAndSend(account), [])
    assert.deepEqual(await traceAndSend(account), [])
  })

  it('sessions: root (first use and steady), approval (enable and recorded), a usage-limit policy, a wildcard target', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const manager = devnet.contracts.sessionKeyManager
    const key = privateKeyToAccount(generatePrivateKey())
    // No gas policy, explicitly (gas: 'unbounded'), as before the SDK bounded gas by default: the policies case
    // below traces GasPolicy, and these must not depend on the shared devnet's drifting fees.
    const sessions = [
      createSession({ signer: key.address, validFor: 3600, gas: 'unbounded', permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] }),
      createSession({
        signer: key.address,
        validFor: 3600,
        gas: 'unbounded',
        permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count', policy: { address: devnet.contracts.usageLimitPolicy, config: encodeAbiParameters([{ type: 'uint256' }], [5n]) } })],
      }),
      createSession({ signer: key.address, validFor: 3600, gas: 'unbounded', permissions: [permission({ target: 'any-unsafe', selector: toFunctionSelector('count()') })] }),
    ]
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager, sessions })
    for (const grant of grants) {
      const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant, signer: key })
      assert.deepEqual(await traceAndSend(sessionAccount), [])
      assert.deepEqual(await traceAndSend(sessionAccount), [])
    }
    const approved = await createSessionApproval({ account: owner, manager, session: createSession({ signer: key.address, validFor: 3600, gas: 'unbounded', permissions: sessions[0]!.permissions }) })
    const approvedAccount = await toSessionAccount({ client: devnet.publicClient, grant: approved, signer: key })
    assert.deepEqual(await traceAndSend(approvedAccount), []) // enable: ERC-1271 through the account, then the record
    assert.deepEqual(await traceAndSend(approvedAccount), []) // recorded
  })

  it('policies: CallPolicy with lifetime and periodic limits, Erc20Policy with caps, GasPolicy with totals (counters in the modules, keyed by the account)', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const key = privateKeyToAccount(generatePrivateKey())
    const token = devnet.contracts.demoToken
    const game = devnet.contracts.demoGame
    const { grants } = await grantSessions(devnet.bundlerClient, {
      account: owner,
      manager: devnet.contracts.sessionKeyManager,
      sessions: [
        createSession({
          signer: key.address,
          validFor: 3600,
          permissions: [
            callPolicy({ address: game, abi: demoGameAbi, functionName: 'move', args: [[inRange(0, 7)], inRange(0, 7)], limits: { calls: { max: 100n, period: 3600 } } }),
            erc20Policy({ token, perCall: 10n, total: 100n, perPeriod: { max: 50n, period: 86_400 } }),
          ],
          gas: gasPolicy({ maxFeePerGas: parseGwei('500'), total: parseEther('1'), perPeriod: { max: parseEther('0.5'), period: 86_400 } }),
        }),
      ],
    })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key })
    const move: Call = { to: game, data: encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [1, 2] }) }
    const transfer: Call = { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'approve', args: [key.address, 5n] }) }
    // First use of each counter (zero to non-zero), then steady; one op with both policies.
    assert.deepEqual(await traceAndSend(sessionAccount, { calls: [move] }), [])
    assert.deepEqual(await traceAndSend(sessionAccount, { calls: [transfer] }), [])
    assert.deepEqual(await traceAndSend(sessionAccount, { calls: [move, transfer] }), [])
  })

  it('a session on Nexus (third-party account)', async () => {
    const nexus = await deployNexus(devnet)
    const owner = privateKeyToAccount(generatePrivateKey())
    const account = await ownedNexusAccount(devnet, nexus, owner)
    const key = privateKeyToAccount(generatePrivateKey())
    const session = createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const sessionAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: key, nonceKey: hexToBigInt(devnet.contracts.sessionKeyManager) })
    assert.deepEqual(await traceAndSend(sessionAccount), [])
    // Batch mode on Nexus: a second session of the key, each call under its own session.
    const spend = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [key.address], total: 10n })] })
    const both = await grantSessions(devnet.bundlerClient, { account, manager: devnet.contracts.sessionKeyManager, sessions: [session, spend] })
    const batchAccount = await toSessionAccount({ client: devnet.publicClient, grants: both.grants, signer: key, nonceKey: hexToBigInt(devnet.contracts.sessionKeyManager) })
    const approve: Call = { to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'approve', args: [key.address, 1n] }) }
    assert.deepEqual(await traceAndSend(batchAccount, { calls: [count(), approve] }), [])
    assert.deepEqual(await traceAndSend(batchAccount, { calls: [approve, count()] }), [])
  })

  it('batch mode: a root session with ERC-20 counters, a recorded one, and one enabled in the op with CallPolicy limits', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const manager = devnet.contracts.sessionKeyManager
    const key = privateKeyToAccount(generatePrivateKey())
    const token = devnet.contracts.demoToken
    const game = devnet.contracts.demoGame
    const spend = createSession({ signer: key.address, validFor: 3600, permissions: [erc20Policy({ token, total: 100n, perPeriod: { max: 50n, period: 86_400 } })] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager, sessions: [spend] })
    const counting = await createSessionApproval({ account: owner, manager, session: createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] }) })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: await toSessionAccount({ client: devnet.publicClient, grant: counting, signer: key }), calls: [count()] })
    const moves = await createSessionApproval({
      account: owner,
      manager,
      session: createSession({
        signer: key.address,
        validFor: 3600,
        permissions: [callPolicy({ address: game, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)], limits: { calls: { max: 100n, period: 3600 } } })],
        gas: gasPolicy({ maxFeePerGas: parseGwei('500'), total: parseEther('1') }),
      }),
    })
    const batchAccount = await toSessionAccount({ client: devnet.publicClient, grants: [grants[0]!, counting, moves], signer: key })
    const move: Call = { to: game, data: encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [3, 4] }) }
    const approve: Call = { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'approve', args: [key.address, 5n] }) }
    assert.deepEqual(await traceAndSend(batchAccount, { calls: [approve, count(), move] }), []) // the moves session is enabled here
    assert.deepEqual(await traceAndSend(batchAccount, { calls: [move, approve, count(), move] }), []) // all recorded or rooted
  })
})

describe('the checker catches violations (negative controls)', () => {
  async function withBadValidator(abi: readonly unknown[], bytecode: `0x${string}`): Promise<ValidationViolation[]> {
    const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
    const { contractAddress } = await devnet.publicClient.waitForTransactionReceipt({ hash: await wallet.deployContract({ abi: abi as never, bytecode }) })
    const module = contractAddress as Address
    const owner = await deployedOwnerAccount(devnet)
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account: owner,
      calls: [{ to: owner.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [1n, module, '0x'] }) }],
    })
    const violations = await traceAndSend(owner, { nonceKey: validatorNonceKey(module), send: false })
    return violations.filter((v) => v.address.toLowerCase() === module.toLowerCase())
  }

  it('a module that reads TIMESTAMP (OP-011)', async () => {
    const violations = await withBadValidator(timestampReadingValidatorAbi, timestampReadingValidatorBytecode)
    assert.ok(violations.some((v) => v.rule === 'OP-011' && /TIMESTAMP/.test(v.detail)), JSON.stringify(violations))
  })

  it('a module keyed mapping(address account => mapping(bytes32 => …)) (STO-021)', async () => {
    const violations = await withBadValidator(outerKeyedValidatorAbi, outerKeyedValidatorBytecode)
    assert.ok(violations.some((v) => v.rule === 'STO-021'), JSON.stringify(violations))
  })

  it('a module that reads a fixed slot (STO-021)', async () => {
    const violations = await withBadValidator(fixedSlotValidatorAbi, fixedSlotValidatorBytecode)
    assert.ok(violations.some((v) => v.rule === 'STO-021' && /slot 0x0{63}0/.test(v.detail)), JSON.stringify(violations))
  })
})
