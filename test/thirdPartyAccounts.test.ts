/**
 * Third-party ERC-7579 accounts beside Nexus, from `@rhinestone/modulekit@0.5.9`'s precompiles, through a
 * real anvil (with a code-size limit above 24 KB) and a real Alto bundler: Rhinestone's reference MSA,
 * Safe7579 on a Safe, and ZeroDev's Kernel v3.1. For each: deployment by the first userOp, a batch, the
 * SessionKeyManager installed as a validator (and selected by the account's nonce key), PingFallback as
 * the fallback handler of `ping()`, and what `isModuleInstalled` answers for each module type and context
 * (the SessionKeyManager must ask each account in a way that gets a correct answer).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import {
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  encodeAbiParameters,
  encodeFunctionData,
  parseAbi,
  toFunctionSelector,
  type Address,
  type Hex,
} from 'viem'
import { demoCounterAbi } from '@latchkey/contracts'
import { forwardingExecutorBytecode, pingFallbackAbi, pingFallbackBytecode } from '@latchkey/contracts/testing'
import { sendUserOperationAndWait, type Call } from '@latchkey/sdk'
import type { DevnetFixture } from './fixtures/devnet.ts'
import { deployCountingHook, deployCreate2, deployerWallet, useThirdPartyDevnet } from './fixtures/thirdPartyDeploy.ts'
import { withValidator, type Erc7579TestAccount } from './fixtures/erc7579TestAccount.ts'
import { kernelDriver, msaDriver, nexusDriver, safe7579Driver, type AccountDriver } from './fixtures/accountDrivers.ts'

let devnet: DevnetFixture
let pingFallback: Address
let forwardingExecutor: Address
let countingHook: Address

const PING = toFunctionSelector('ping()')
/** A module address nothing installs. */
const NOT_INSTALLED: Address = '0x00000000000000000000000000000000DeaDBeef'
const isModuleInstalledAbi = parseAbi(['function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool)'])
const accountIdAbi = parseAbi(['function accountId() view returns (string)'])

before(async () => {
  devnet = await useThirdPartyDevnet()
  pingFallback = await deployCreate2(devnet, 'PingFallback', pingFallbackBytecode)
  forwardingExecutor = await deployCreate2(devnet, 'ForwardingExecutor', forwardingExecutorBytecode)
  countingHook = await deployCountingHook(devnet)
})

const count = (): Call => ({ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })
const counted = (account: Address) =>
  devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
const pings = (account: Address) => devnet.publicClient.readContract({ address: pingFallback, abi: pingFallbackAbi, functionName: 'pings', args: [account] })

/** What `isModuleInstalled` answered: true, false, or a revert. */
type Answer = boolean | 'reverts'

async function isModuleInstalled(account: Address, type: bigint, module: Address, context: Hex): Promise<Answer> {
  try {
    return await devnet.publicClient.readContract({ address: account, abi: isModuleInstalledAbi, functionName: 'isModuleInstalled', args: [type, module, context] })
  } catch (error) {
    if (error instanceof BaseError && (error.walk((e) => e instanceof ContractFunctionRevertedError) || error.walk((e) => e instanceof ContractFunctionZeroDataError))) {
      return 'reverts'
    }
    throw error
  }
}

/** The contexts of the table, by name. */
const CONTEXTS = {
  empty: '0x',
  'selector (4 bytes)': PING,
  'abi.encode(bytes4 selector)': encodeAbiParameters([{ type: 'bytes4' }], [PING]),
  'abi.encode(uint8 0, bytes4 selector)': encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [0, PING]),
  'abi.encode(uint8 0, bytes4 0)': encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [0, '0x00000000']),
  'abi.encode(uint8 1, bytes4 selector)': encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [1, PING]),
} as const satisfies Record<string, Hex>
type ContextName = keyof typeof CONTEXTS

/** One row of the table: a module type, a context, and the answers for the installed and a not-installed module. */
type Row = { type: bigint; context: ContextName; installed: Answer | '-'; notInstalled: Answer }

/** Asks the account every row's question; the installed module of a type comes from `installed`. */
async function askTable(account: Address, rows: readonly Row[], installed: Partial<Record<string, Address>>): Promise<Row[]> {
  return Promise.all(
    rows.map(async (row) => {
      const module = installed[String(row.type)]
      return {
        type: row.type,
        context: row.context,
        installed: module ? await isModuleInstalled(account, row.type, module, CONTEXTS[row.context]) : '-',
        notInstalled: await isModuleInstalled(account, row.type, NOT_INSTALLED, CONTEXTS[row.context]),
      }
    }),
  )
}

const formatTable = (rows: readonly Row[]) =>
  rows.map((r) => `type ${r.type}, ${r.context}: installed ${String(r.installed)}, not installed ${String(r.notInstalled)}`).join('\n')

/** The installed modules the table asks about, by type (the same on every account). */
const tableModules = () => ({ '1': devnet.contracts.ownerValidator, '2': forwardingExecutor, '3': pingFallback, '4': countingHook })

/** The shared tests of one account, through its driver (test/fixtures/accountDrivers.ts); `expectedTable` is what its isModuleInstalled answers. */
function describeAccount(d: AccountDriver<Erc7579TestAccount>, expectedTable: readonly Row[]) {
  const { name } = d
  describe(name, () => {
    let account: Erc7579TestAccount

    before(async () => {
      await d.deploy(devnet)
    })

    it('is deployed by its first userOp through Alto, which calls the counter', async () => {
      account = await d.newAccount()
      assert.equal(await devnet.publicClient.getCode({ address: account.address }), undefined)
      const { success, userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
      assert.equal(success, true)
      assert.notEqual(userOperation.factory, undefined)
      assert.equal(userOperation.nonce >> 64n, d.ownerNonceKey())
      assert.equal(await devnet.publicClient.readContract({ address: account.address, abi: accountIdAbi, functionName: 'accountId' }), d.accountId)
      assert.equal(await isModuleInstalled(account.address, 1n, devnet.contracts.ownerValidator, '0x'), true)
      assert.equal(await counted(account.address), 1n)
    })

    it('lands a second userOp, a batch of two calls', async () => {
      const { success, userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(), count()] })
      assert.equal(success, true)
      assert.equal(userOperation.factory, undefined)
      assert.equal(userOperation.nonce, (d.ownerNonceKey() << 64n) | 1n)
      assert.equal(await counted(account.address), 3n)
    })

    it('installs the SessionKeyManager as a validator (owner userOp), and its nonce key selects it', async () => {
      const manager = devnet.contracts.sessionKeyManager
      assert.equal(await isModuleInstalled(account.address, 1n, manager, '0x'), false)
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [d.installCall(account.address, 1n, manager, '0x')] })
      assert.equal(await isModuleInstalled(account.address, 1n, manager, '0x'), true)
      // Selected by its nonce key, the manager itself refuses a signature that is no session signature
      // (AA23: the validator reverted; a validator not selected would not have run).
      const asManager = await withValidator(account, { validator: manager, nonceKey: d.nonceKey(manager), sign: async () => '0x1234', stubSignature: '0x1234' })
      await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: asManager, calls: [count()] }), d.managerRefusal.pattern)
      assert.equal(await counted(account.address), 3n)
    })

    it('installs PingFallback as the fallback handler of ping(), and ping() on the account reaches it', async () => {
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [d.installCall(account.address, 3n, pingFallback, '0x', { selector: PING })] })
      const wallet = deployerWallet(devnet)
      const hash = await wallet.sendTransaction({ to: account.address, data: PING })
      assert.equal((await devnet.publicClient.waitForTransactionReceipt({ hash })).status, 'success')
      assert.equal(await pings(account.address), 1n)
    })

    it('answers isModuleInstalled as recorded for each module type and context', async (t) => {
      await sendUserOperationAndWait(devnet.bundlerClient, {
        account,
        calls: [d.installCall(account.address, 2n, forwardingExecutor, '0x'), d.installCall(account.address, 4n, countingHook, '0x')],
      })
      const observed = await askTable(account.address, expectedTable, tableModules())
      t.diagnostic(`${name} isModuleInstalled:\n${formatTable(observed)}`)
      assert.deepEqual(observed, expectedTable)
      // The account still works with the hook installed.
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count()] })
      assert.equal(await counted(account.address), 4n)
    })

    it('installs the SessionKeyManager beside the owner validator in the deployment (first userOp)', async () => {
      const manager = devnet.contracts.sessionKeyManager
      const withManager = await d.newAccount({ extraValidators: [{ module: manager, data: '0x' }] })
      const { success, userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account: withManager, calls: [count()] })
      assert.equal(success, true)
      assert.notEqual(userOperation.factory, undefined)
      assert.equal(await isModuleInstalled(withManager.address, 1n, manager, '0x'), true)
      assert.equal(await isModuleInstalled(withManager.address, 1n, devnet.contracts.ownerValidator, '0x'), true)
      const asManager = await withValidator(withManager, { validator: manager, nonceKey: d.nonceKey(manager), sign: async () => '0x1234', stubSignature: '0x1234' })
      await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: asManager, calls: [count()] }), d.managerRefusal.pattern)
    })
  })
}

// ------------------------------------------------------------------------------------------------ MSA

describeAccount(msaDriver(), [
  { type: 1n, context: 'empty', installed: true, notInstalled: false },
  { type: 2n, context: 'empty', installed: true, notInstalled: false },
  { type: 3n, context: 'selector (4 bytes)', installed: 'reverts', notInstalled: 'reverts' },
  { type: 3n, context: 'abi.encode(bytes4 selector)', installed: true, notInstalled: false },
  { type: 3n, context: 'empty', installed: 'reverts', notInstalled: 'reverts' },
  { type: 4n, context: 'empty', installed: true, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 selector)', installed: true, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 0)', installed: true, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 1, bytes4 selector)', installed: true, notInstalled: false },
  { type: 0n, context: 'empty', installed: '-', notInstalled: false },
  { type: 5n, context: 'empty', installed: '-', notInstalled: false },
  { type: 6n, context: 'empty', installed: '-', notInstalled: false },
  { type: 7n, context: 'empty', installed: '-', notInstalled: false },
  { type: 8n, context: 'empty', installed: '-', notInstalled: false },
  { type: 9n, context: 'empty', installed: '-', notInstalled: false },
])

// ------------------------------------------------------------------------------------------------ Safe7579

describeAccount(safe7579Driver(), [
  { type: 1n, context: 'empty', installed: true, notInstalled: false },
  { type: 2n, context: 'empty', installed: true, notInstalled: false },
  { type: 3n, context: 'selector (4 bytes)', installed: 'reverts', notInstalled: 'reverts' },
  { type: 3n, context: 'abi.encode(bytes4 selector)', installed: true, notInstalled: false },
  { type: 3n, context: 'empty', installed: 'reverts', notInstalled: 'reverts' },
  { type: 4n, context: 'empty', installed: 'reverts', notInstalled: 'reverts' },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 selector)', installed: false, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 0)', installed: true, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 1, bytes4 selector)', installed: false, notInstalled: false },
  { type: 0n, context: 'empty', installed: '-', notInstalled: false },
  { type: 5n, context: 'empty', installed: '-', notInstalled: false },
  { type: 6n, context: 'empty', installed: '-', notInstalled: false },
  { type: 7n, context: 'empty', installed: '-', notInstalled: false },
  { type: 8n, context: 'empty', installed: '-', notInstalled: false },
  { type: 9n, context: 'empty', installed: '-', notInstalled: false },
])

// ------------------------------------------------------------------------------------------------ Kernel v3.1

describeAccount(kernelDriver(), [
  { type: 1n, context: 'empty', installed: true, notInstalled: false },
  { type: 2n, context: 'empty', installed: true, notInstalled: false },
  { type: 3n, context: 'selector (4 bytes)', installed: true, notInstalled: false },
  { type: 3n, context: 'abi.encode(bytes4 selector)', installed: true, notInstalled: false },
  { type: 3n, context: 'empty', installed: 'reverts', notInstalled: 'reverts' },
  // A hook installed as type 4 alone is only told onInstall: Kernel records hooks beside a validator, executor or selector.
  { type: 4n, context: 'empty', installed: false, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 selector)', installed: false, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 0, bytes4 0)', installed: false, notInstalled: false },
  { type: 4n, context: 'abi.encode(uint8 1, bytes4 selector)', installed: false, notInstalled: false },
  { type: 0n, context: 'empty', installed: '-', notInstalled: false },
  { type: 5n, context: 'empty', installed: '-', notInstalled: false },
  { type: 6n, context: 'empty', installed: '-', notInstalled: false },
  { type: 7n, context: 'empty', installed: '-', notInstalled: false },
  { type: 8n, context: 'empty', installed: '-', notInstalled: false },
  { type: 9n, context: 'empty', installed: '-', notInstalled: false },
])

// ------------------------------------------------------------------------------------------------ Nexus (the table only)

describe("Biconomy's Nexus: isModuleInstalled, for comparison", () => {
  it('answers isModuleInstalled as recorded for each module type and context', async (t) => {
    const nexus = nexusDriver()
    await nexus.deploy(devnet)
    const account = await nexus.newAccount()
    // Nexus 1.0.0 takes the same install data as MSA (fallback: selector ‖ callType ‖ initData).
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account,
      calls: [
        nexus.installCall(account.address, 2n, forwardingExecutor),
        nexus.installCall(account.address, 3n, pingFallback, '0x', { selector: PING }),
        nexus.installCall(account.address, 4n, countingHook),
      ],
    })
    const expected: Row[] = [
      { type: 1n, context: 'empty', installed: true, notInstalled: false },
      { type: 2n, context: 'empty', installed: true, notInstalled: false },
      { type: 3n, context: 'selector (4 bytes)', installed: true, notInstalled: false },
      { type: 3n, context: 'abi.encode(bytes4 selector)', installed: true, notInstalled: false },
      // Nexus reads the selector from the context's first 4 bytes, zero-padded: an empty context asks about selector 0.
      { type: 3n, context: 'empty', installed: false, notInstalled: false },
      { type: 4n, context: 'empty', installed: true, notInstalled: false },
      { type: 4n, context: 'abi.encode(uint8 0, bytes4 selector)', installed: true, notInstalled: false },
      { type: 4n, context: 'abi.encode(uint8 0, bytes4 0)', installed: true, notInstalled: false },
      { type: 4n, context: 'abi.encode(uint8 1, bytes4 selector)', installed: true, notInstalled: false },
      { type: 0n, context: 'empty', installed: '-', notInstalled: false },
      { type: 5n, context: 'empty', installed: '-', notInstalled: false },
      { type: 6n, context: 'empty', installed: '-', notInstalled: false },
      { type: 7n, context: 'empty', installed: '-', notInstalled: false },
      { type: 8n, context: 'empty', installed: '-', notInstalled: false },
      { type: 9n, context: 'empty', installed: '-', notInstalled: false },
    ]
    const observed = await askTable(account.address, expected, tableModules())
    t.diagnostic(`Nexus isModuleInstalled:\n${formatTable(observed)}`)
    assert.deepEqual(observed, expected)
  })
})
