/**
 * The reference account end to end through a real anvil and a real Alto bundler: counterfactual
 * deployment, the owner path (built-in and via the OwnerValidator module), nonce keys, batches, and the
 * ways a userOp can be wrong.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, http, encodeAbiParameters, encodeErrorResult, encodeFunctionData, encodePacked, toFunctionSelector, erc20Abi, parseEther, parseUnits, zeroAddress, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  formatUserOperationRequest,
  getUserOperationHash,
  type UserOperation,
} from 'viem/account-abstraction'
import { demoCounterAbi, demoTokenAbi, latchkeyAccountAbi, latchkeyAccountFactoryAbi, ownerValidatorAbi } from '@latchkey/contracts'
import { acceptAllValidatorAbi, acceptAllValidatorBytecode } from '@latchkey/contracts/testing'
import {
  InvalidParameterError,
  sendUserOperationAndWait,
  toLatchkeyAccount,
  UserOperationRevertedError,
  UserOperationValidationError,
  validatorNonceKey,
  waitForUserOperation,
  UserOperationDroppedError,
  type ToLatchkeyAccountParameters,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

let devnet: DevnetFixture

before(async () => {
  devnet = await useDevnet()
})

const count = (counter: Address) => ({ to: counter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) })

async function newAccount(overrides: Partial<ToLatchkeyAccountParameters> = {}) {
  const owner = privateKeyToAccount(generatePrivateKey())
  const account = await toLatchkeyAccount({ client: devnet.publicClient, owner, factory: devnet.contracts.accountFactory, ...overrides })
  await devnet.fund(account.address)
  return account
}

async function counted(account: Address) {
  return devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
}

/** Deploys the test-only validator that accepts everything. */
async function deployAcceptAll(): Promise<Address> {
  const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
  const hash = await wallet.deployContract({ abi: acceptAllValidatorAbi, bytecode: acceptAllValidatorBytecode })
  const { contractAddress } = await devnet.publicClient.waitForTransactionReceipt({ hash })
  return contractAddress!
}

/** Sends a hand-made userOp straight to the bundler, bypassing the SDK's checks. */
async function sendRaw(op: UserOperation<'0.7'>): Promise<Hex> {
  return devnet.bundlerClient.request({ method: 'eth_sendUserOperation', params: [formatUserOperationRequest(op), devnet.entryPoint] }, { retryCount: 0 })
}

describe('counterfactual deployment', () => {
  it('computes offline the address the factory reports and the first userOp deploys there', async () => {
    const account = await newAccount()
    const fromFactory = await devnet.publicClient.readContract({
      address: devnet.contracts.accountFactory,
      abi: latchkeyAccountFactoryAbi,
      functionName: 'getAddress',
      args: [account.owner.address, [], `0x${'0'.repeat(64)}`],
    })
    assert.equal(fromFactory, account.address)
    assert.equal(await devnet.publicClient.getCode({ address: account.address }), undefined)

    const { receipt, success } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    assert.equal(success, true)
    assert.ok(((await devnet.publicClient.getCode({ address: account.address })) ?? '0x').length > 2)
    assert.equal(receipt.status, 'success')
    const owner = await devnet.publicClient.readContract({ address: account.address, abi: latchkeyAccountAbi, functionName: 'owner' })
    assert.equal(owner, account.owner.address)
    assert.equal(await counted(account.address), 1n)
    // Once deployed, the SDK stops sending initCode.
    assert.deepEqual(await account.getFactoryArgs(), { factory: undefined, factoryData: undefined })
  })

  it('gives different salts and different initial modules different addresses', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const base = { client: devnet.publicClient, owner, factory: devnet.contracts.accountFactory }
    const a = await toLatchkeyAccount(base)
    const b = await toLatchkeyAccount({ ...base, salt: 1n })
    const c = await toLatchkeyAccount({ ...base, ownerValidator: devnet.contracts.ownerValidator })
    assert.equal(new Set([a.address, b.address, c.address]).size, 3)
  })

  it('cannot be initialised a second time', async () => {
    const account = await newAccount()
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    await assert.rejects(
      devnet.publicClient.simulateContract({
        address: account.address,
        abi: latchkeyAccountAbi,
        functionName: 'initialize',
        args: [privateKeyToAccount(generatePrivateKey()).address, []],
        account: devnet.testKeys[1]!.address,
      }),
      /InvalidInitialization/,
    )
  })
})

describe('owner path', () => {
  it('runs a batch: mint, transfer an ERC-20 and send ETH in one userOp', async () => {
    const account = await newAccount()
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const token = devnet.contracts.demoToken
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account,
      calls: [
        { to: token, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [account.address, parseUnits('10', 6)] }) },
        { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [recipient, parseUnits('4', 6)] }) },
        { to: recipient, value: parseEther('0.25') },
      ],
    })
    assert.equal(await devnet.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [recipient] }), parseUnits('4', 6))
    assert.equal(await devnet.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account.address] }), parseUnits('6', 6))
    assert.equal(await devnet.publicClient.getBalance({ address: recipient }), parseEther('0.25'))
  })

  it('keeps one nonce key across userOps (sequence 0, 1, 2 under key 0)', async () => {
    const account = await newAccount()
    for (let i = 0; i < 3; i++) {
      const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
      assert.equal(userOperation.nonce, BigInt(i))
    }
    assert.equal(await counted(account.address), 3n)
  })

  it('accepts another 4-byte key under the owner path, with its own sequence', async () => {
    const account = await newAccount({ nonceKey: 9n })
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    assert.equal(userOperation.nonce >> 64n, 9n)
    assert.equal(userOperation.nonce & ((1n << 64n) - 1n), 0n)
  })

  it('validates through the OwnerValidator module when the nonce key names it, and only then', async () => {
    const account = await newAccount({ ownerValidator: devnet.contracts.ownerValidator })
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    assert.equal(userOperation.nonce >> 64n, validatorNonceKey(devnet.contracts.ownerValidator))
    // Hand the built-in owner path to another key: the module (still holding the first key) keeps working,
    // and the first key no longer passes on the built-in path. So the nonce key really picks the validator.
    const successor = privateKeyToAccount(generatePrivateKey())
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account,
      calls: [{ to: account.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'setOwner', args: [successor.address] }) }],
    })
    const moduleOwner = await devnet.publicClient.readContract({
      address: devnet.contracts.ownerValidator,
      abi: ownerValidatorAbi,
      functionName: 'ownerOf',
      args: [account.address],
    })
    assert.equal(moduleOwner, account.owner.address)
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account, nonceKey: 0n, calls: [count(devnet.contracts.demoCounter)] }),
      (error: unknown) => error instanceof UserOperationValidationError && error.code === 'AA24',
    )
    assert.equal(await counted(account.address), 2n)
  })

  it('refuses before sending a call that would revert, with the revert data', async () => {
    const account = await newAccount()
    const refuse = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [42n] }) }
    const revertData = encodeErrorResult({ abi: demoCounterAbi, errorName: 'DemoCounterRefused', args: [42n] })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [refuse] }), new RegExp(revertData))
    assert.equal(await devnet.publicClient.getCode({ address: account.address }), undefined)
  })

  it('turns a call that reverts on chain into UserOperationRevertedError carrying the revert data', async () => {
    const account = await newAccount()
    const refuse = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [7n] }) }
    // With every gas limit given, nothing simulates the execution first, so the op lands and its call reverts.
    const gas = { callGasLimit: 100_000n, verificationGasLimit: 400_000n, preVerificationGas: 60_000n }
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [refuse], gas }), (error: unknown) => {
      assert.ok(error instanceof UserOperationRevertedError, String(error))
      assert.equal(error.revertData, encodeErrorResult({ abi: demoCounterAbi, errorName: 'DemoCounterRefused', args: [7n] }))
      return true
    })
    // The account was deployed and paid for gas, but the call had no effect.
    assert.ok(((await devnet.publicClient.getCode({ address: account.address })) ?? '0x').length > 2)
    assert.equal(await account.getNonce(), 1n)
  })
})

describe('rejected userOps change nothing', () => {
  it('refuses a userOp signed by another key (AA24): nothing executes, the nonce does not move', async () => {
    const account = await newAccount()
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    const prepared = (await devnet.bundlerClient.prepareUserOperation({ account, calls: [count(devnet.contracts.demoCounter)] })) as UserOperation<'0.7'>
    const hash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', userOperation: prepared })
    const intruder = privateKeyToAccount(generatePrivateKey())
    const signature = await intruder.signMessage({ message: { raw: hash } })
    await assert.rejects(sendRaw({ ...prepared, signature }), /AA24/)
    assert.equal(await counted(account.address), 1n)
    assert.equal(await account.getNonce(), 1n)
  })

  it('says before sending that a key which no longer owns the account cannot sign (UserOperationValidationError, AA24)', async () => {
    const account = await newAccount()
    const successor = privateKeyToAccount(generatePrivateKey())
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account,
      calls: [{ to: account.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'setOwner', args: [successor.address] }) }],
    })
    assert.equal(await devnet.publicClient.readContract({ address: account.address, abi: latchkeyAccountAbi, functionName: 'owner' }), successor.address)
    // `account` still signs with the old key: the SDK finds out while sizing gas, before anything is sent.
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account, calls: [count(devnet.contracts.demoCounter)] }), (error: unknown) => {
      assert.ok(error instanceof UserOperationValidationError, String(error))
      assert.equal(error.code, 'AA24')
      assert.match(error.message, /signature does not validate/)
      return true
    })
    assert.equal(await counted(account.address), 0n)
    assert.equal(await account.getNonce(), 1n)
  })

  it('refuses a nonce key that names a validator the account has not installed, even one that accepts all (AA24)', async () => {
    const account = await newAccount()
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    const acceptAll = await deployAcceptAll()
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account, nonceKey: validatorNonceKey(acceptAll), calls: [count(devnet.contracts.demoCounter)] }),
      (error: unknown) => error instanceof UserOperationValidationError && error.code === 'AA24',
    )
    assert.equal(await counted(account.address), 1n)
  })

  it('refuses a reused nonce (AA25) and a truncated signature (AA24)', async () => {
    const account = await newAccount()
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    await assert.rejects(sendRaw({ ...userOperation, factory: undefined, factoryData: undefined }), /AA25/)
    const next = (await devnet.bundlerClient.prepareUserOperation({ account, calls: [count(devnet.contracts.demoCounter)] })) as UserOperation<'0.7'>
    const signature = await account.signUserOperation(next)
    await assert.rejects(sendRaw({ ...next, signature: signature.slice(0, 60) as Hex }), /AA24/)
    assert.equal(await counted(account.address), 1n)
  })

  it('refuses an empty call list before anything is sent', async () => {
    const account = await newAccount()
    await assert.rejects(devnet.bundlerClient.prepareUserOperation({ account, calls: [] }), InvalidParameterError)
  })

  it('reports a userOp that never lands as UserOperationDroppedError, with the EntryPoint verdict on it', async () => {
    const account = await newAccount()
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    // A hash the bundler never saw, and a signed op whose nonce is used up: replaying it says why it cannot land.
    const unknown = `0x${'ab'.repeat(32)}` as const
    await assert.rejects(
      waitForUserOperation(devnet.bundlerClient, { hash: unknown, userOperation, chainClient: devnet.publicClient, timeout: 600 }),
      (error: unknown) => {
        assert.ok(error instanceof UserOperationDroppedError)
        assert.equal(error.userOpHash, unknown)
        assert.match(error.message, /was not included within 600 ms/)
        assert.match(error.reason ?? '', /AA25 invalid account nonce/)
        return true
      },
    )
    await assert.rejects(waitForUserOperation(devnet.bundlerClient, { hash: unknown, timeout: 300 }), /not replayed: the signed userOp was not given/)
  })

  it('rejects a factory that is not an address', async () => {
    await assert.rejects(
      toLatchkeyAccount({ client: devnet.publicClient, owner: privateKeyToAccount(generatePrivateKey()), factory: '0x1234' as Address }),
      InvalidParameterError,
    )
  })

  it('refuses execute, installModule and setOwner from anyone but the EntryPoint or the account', async () => {
    const account = await newAccount()
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [count(devnet.contracts.demoCounter)] })
    const stranger = devnet.testKeys[1]!.address
    const calls = [
      { functionName: 'execute', args: [`0x${'0'.repeat(64)}`, encodePacked(['address', 'uint256'], [stranger, 1n])] },
      { functionName: 'installModule', args: [1n, devnet.contracts.ownerValidator, encodeAbiParameters([{ type: 'address' }], [stranger])] },
      { functionName: 'setOwner', args: [stranger] },
    ] as const
    for (const call of calls) {
      await assert.rejects(
        devnet.publicClient.simulateContract({ address: account.address, abi: latchkeyAccountAbi, ...call, account: stranger } as never),
        /AccountUnauthorized/,
        call.functionName,
      )
    }
    const implementation = await devnet.publicClient.readContract({ address: devnet.contracts.accountFactory, abi: latchkeyAccountFactoryAbi, functionName: 'implementation' })
    await assert.rejects(
      devnet.publicClient.simulateContract({ address: implementation, abi: latchkeyAccountAbi, functionName: 'initialize', args: [stranger, []], account: stranger }),
      /InvalidInitialization/,
    )
  })

  it('refuses the zero owner at deployment', async () => {
    await assert.rejects(
      devnet.publicClient.simulateContract({
        address: devnet.contracts.accountFactory,
        abi: latchkeyAccountFactoryAbi,
        functionName: 'createAccount',
        args: [zeroAddress, [], `0x${'0'.repeat(64)}`],
        account: devnet.testKeys[1]!.address,
      }),
      new RegExp(toFunctionSelector('LatchkeyAccountZeroOwner()')),
    )
  })
})
