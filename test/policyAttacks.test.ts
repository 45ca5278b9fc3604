/**
 * The known attacks on session keys (the team's reference on the seed and its peers, §2) that concern policies, each tried for real
 * against the chain with the SDK's check turned off, and shown to fail with the rule named:
 * 3 (selector spoofing on a token), 4 (approve drains a spend limit), 7 (dirty address bits),
 * 8 (short or malformed calldata), 10 (gas and paymaster griefing), 12 (nested calls left unchecked).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeFunctionData, pad, parseEther, parseGwei, toFunctionSelector, toHex, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoGameAbi, demoNftAbi, demoTokenAbi, gasPolicyAbi, latchkeyAccountAbi } from '@latchkey/contracts'
import { forwardingExecutorAbi, forwardingExecutorBytecode, pingFallbackAbi, pingFallbackBytecode } from '@latchkey/contracts/testing'
import {
  callPolicy,
  createSession,
  encodeExecute,
  eq,
  erc20Policy,
  gasPolicy,
  grantSessions,
  inRange,
  permission,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  SessionGasRefusedError,
  type Call,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { balanceOf, expectRefusedOnChain, grantedPolicySession, mintUsd, sendSession } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const stranger = () => privateKeyToAccount(generatePrivateKey()).address
const tokenCall = (functionName: 'transfer' | 'approve', to: Address, amount: bigint): Call => ({
  to: devnet.contracts.demoToken,
  data: encodeFunctionData({ abi: demoTokenAbi, functionName, args: [to, amount] }),
})
/** Sets the 12 high bytes of the 32-byte word at `offset` of `data` (an address word) to garbage. */
const dirty = (data: Hex, offset: number): Hex => `0x${data.slice(2, 2 + offset * 2)}${'ab'.repeat(12)}${data.slice(2 + offset * 2 + 24)}`

describe('attack 4: approve (or increaseAllowance) is no way around an ERC-20 spend limit', () => {
  it('approvals count against the same total as transfers', async () => {
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000n)
    const spender = stranger()
    const { checked, unchecked } = await grantedPolicySession(devnet, [erc20Policy({ token: devnet.contracts.demoToken, total: 100n })], { owner })
    await sendSession(devnet, checked, [tokenCall('approve', spender, 80n)])
    // 80 used by the approval: a transfer of 30, an approval of 30 or an increase of 30 would pass 100.
    await expectRefusedOnChain(devnet, unchecked, [tokenCall('transfer', spender, 30n)], /PolicyLimitExceeded\(0, 80, 30, 100\)/)
    await expectRefusedOnChain(devnet, unchecked, [tokenCall('approve', spender, 30n)], /PolicyLimitExceeded\(0, 80, 30, 100\)/)
    const increase: Call = { to: devnet.contracts.demoToken, data: concat([toFunctionSelector('increaseAllowance(address,uint256)'), pad(spender), toHex(30n, { size: 32 })]) }
    await expectRefusedOnChain(devnet, unchecked, [increase], /PolicyLimitExceeded\(0, 80, 30, 100\)/)
    // Exactly the rest is fine.
    await sendSession(devnet, checked, [tokenCall('transfer', spender, 20n)])
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, spender), 20n)
  })
})

describe('attack 3: a token function the ERC-20 policy does not know', () => {
  it('refuses mint, transferFrom of someone else’s tokens, and a recipient not on the list', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const friend = stranger()
    const { unchecked } = await grantedPolicySession(devnet, [erc20Policy({ token: devnet.contracts.demoToken, recipients: [friend], perCall: 10n })], { owner })
    const mint: Call = { to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'mint', args: [owner.address, 10n ** 30n] }) }
    await expectRefusedOnChain(devnet, unchecked, [mint], /Erc20FunctionRefused\(0x40c10f19\)/)
    const victim = stranger()
    const steal: Call = { to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'transferFrom', args: [victim, friend, 1n] }) }
    await expectRefusedOnChain(devnet, unchecked, [steal], new RegExp(`Erc20FromNotAccount\\(${victim}\\)`, 'i'))
    await expectRefusedOnChain(devnet, unchecked, [tokenCall('transfer', stranger(), 1n)], /Erc20RecipientRefused/)
    await expectRefusedOnChain(devnet, unchecked, [tokenCall('transfer', friend, 11n)], /Erc20AmountAboveCap\(11, 10\)/)
  })
})

describe('attack 7: dirty high bits in an address parameter', () => {
  it('the ERC-20 and the ABI policies refuse an address word that is not clean', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const friend = stranger()
    const { unchecked } = await grantedPolicySession(
      devnet,
      [
        erc20Policy({ token: devnet.contracts.demoToken, recipients: [friend] }),
        callPolicy({ address: devnet.contracts.demoNft, abi: demoNftAbi, functionName: 'safeMint', args: [eq(owner.address)] }),
      ],
      { owner },
    )
    // A lax decoder would see `friend` (and the owner) in these words; the policies see dirt and refuse.
    const transfer = tokenCall('transfer', friend, 1n)
    await expectRefusedOnChain(devnet, unchecked, [{ ...transfer, data: dirty(transfer.data!, 4) }], /Erc20CallMalformed/)
    const mint = encodeFunctionData({ abi: demoNftAbi, functionName: 'safeMint', args: [owner.address] })
    await expectRefusedOnChain(devnet, unchecked, [{ to: devnet.contracts.demoNft, data: dirty(mint, 4) }], /CallPolicyParamDirty\(0, 0\)/)
  })
})

describe('attack 8: short or malformed calldata', () => {
  it('rules never read past the calldata: short data and out-of-range offsets are refused', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { unchecked } = await grantedPolicySession(
      devnet,
      [
        callPolicy({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)] }),
        erc20Policy({ token: devnet.contracts.demoToken, perCall: 10n }),
      ],
      { owner },
    )
    const move = encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [1, 2] })
    // y is missing: 4 + 32 bytes.
    await expectRefusedOnChain(devnet, unchecked, [{ to: devnet.contracts.demoGame, data: move.slice(0, 2 + 2 * 36) as Hex }], /CallPolicyParamUnreadable\(1, 0\)/)
    // The selector alone.
    await expectRefusedOnChain(devnet, unchecked, [{ to: devnet.contracts.demoGame, data: move.slice(0, 10) as Hex }], /CallPolicyParamUnreadable\(0, 0\)/)
    const transfer = tokenCall('transfer', stranger(), 1n)
    await expectRefusedOnChain(devnet, unchecked, [{ ...transfer, data: transfer.data!.slice(0, 2 + 2 * 67) as Hex }], /Erc20CallMalformed/)
  })

  it('an array offset pointing outside the calldata is refused, never followed', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { demoSwapRouterV2Abi } = await import('@latchkey/contracts')
    const router = devnet.contracts.demoSwapRouterV2
    const { unchecked } = await grantedPolicySession(
      devnet,
      [callPolicy({ address: router, abi: demoSwapRouterV2Abi, functionName: 'swapExactTokensForTokens', args: [undefined, undefined, { first: eq(devnet.contracts.demoToken) }, undefined, undefined] })],
      { owner },
    )
    const swap = encodeFunctionData({ abi: demoSwapRouterV2Abi, functionName: 'swapExactTokensForTokens', args: [1n, 0n, [devnet.contracts.demoToken, devnet.contracts.demoWeth], owner.address, 2n ** 40n] })
    // The path's offset (head word 2) is set far past the end.
    const far = `0x${swap.slice(2, 2 + 2 * 68)}${toHex(10_000n, { size: 32 }).slice(2)}${swap.slice(2 + 2 * 100)}` as Hex
    await expectRefusedOnChain(devnet, unchecked, [{ to: router, data: far }], /CallPolicyParamUnreadable\(0, 0\)/)
    // A length word claiming more elements than the calldata could hold.
    const lengthAt = 4 + 5 * 32
    const huge = `0x${swap.slice(2, 2 + 2 * lengthAt)}${toHex(2n ** 255n, { size: 32 }).slice(2)}${swap.slice(2 + 2 * (lengthAt + 32))}` as Hex
    await expectRefusedOnChain(devnet, unchecked, [{ to: router, data: huge }], /CallPolicyParamUnreadable\(0, 0\)/)
  })
})

describe('attack 10: gas and paymaster griefing', () => {
  const counterCall = () => ({ to: devnet.contracts.demoCounter, data: toFunctionSelector('count()') as Hex })
  const counterPermission = () => permission({ target: devnet.contracts.demoCounter, selector: toFunctionSelector('count()') })

  it('refuses a fee per gas above the bound', async () => {
    const { checked, unchecked } = await grantedPolicySession(devnet, [counterPermission()], { session: { gas: gasPolicy({ maxFeePerGas: parseGwei('50') }) } })
    // Off chain first: the session account refuses to sign, naming the bound.
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [counterCall()], fees: { maxFeePerGas: parseGwei('100'), maxPriorityFeePerGas: 1n } }),
      (error: unknown) => {
        assert.ok(error instanceof SessionGasRefusedError, String(error))
        assert.match(error.reason, /GasFeeAboveLimit/)
        return true
      },
    )
    await sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [counterCall()], fees: { maxFeePerGas: parseGwei('50'), maxPriorityFeePerGas: 1n } })
    await expectRefusedOnChain(devnet, unchecked, [counterCall()], /GasFeeAboveLimit\(100000000000, 50000000000\)/, (op) => ({ ...op, maxFeePerGas: parseGwei('100'), maxPriorityFeePerGas: 1n }))
  })

  it('bounds the summed gas limits: estimation is refused with what to do, explicit limits under the bound pass, over it are refused', async () => {
    const { checked, unchecked } = await grantedPolicySession(devnet, [counterPermission()], { session: { gas: gasPolicy({ maxGasLimit: 600_000n }) } })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [counterCall()] }), (error: unknown) => {
      assert.ok(error instanceof SessionGasRefusedError, String(error))
      assert.match(error.reason, /bounds the op's gas limits to 600000/)
      return true
    })
    const within = { callGasLimit: 100_000n, verificationGasLimit: 300_000n, preVerificationGas: 80_000n }
    const { success } = await sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [counterCall()], gas: within })
    assert.ok(success)
    const over = { ...within, verificationGasLimit: 500_000n }
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [counterCall()], gas: over }), SessionGasRefusedError)
    await expectRefusedOnChain(devnet, unchecked, [counterCall()], /GasLimitAboveLimit\(980000, 600000\)/)
  })

  it('refuses a paymaster when the account must pay, and any but the listed one when one is required', async () => {
    const listed = stranger()
    const withPaymaster = (paymaster: Address) => (op: Parameters<NonNullable<Parameters<typeof expectRefusedOnChain>[4]>>[0]) => ({
      ...op,
      paymaster,
      paymasterVerificationGasLimit: 100_000n,
      paymasterPostOpGasLimit: 0n,
      paymasterData: '0x' as Hex,
    })
    const none = await grantedPolicySession(devnet, [counterPermission()], { session: { gas: gasPolicy({ paymaster: 'none' }) } })
    await expectRefusedOnChain(devnet, none.unchecked, [counterCall()], new RegExp(`GasPaymasterRefused\\(${listed}\\)`, 'i'), withPaymaster(listed), /AA30/)
    const required = await grantedPolicySession(devnet, [counterPermission()], { session: { gas: gasPolicy({ paymaster: { allow: [listed], required: true } }) } })
    await expectRefusedOnChain(devnet, required.unchecked, [counterCall()], /GasPaymasterRefused\(0x0000000000000000000000000000000000000000\)/)
    const other = stranger()
    await expectRefusedOnChain(devnet, required.unchecked, [counterCall()], new RegExp(`GasPaymasterRefused\\(${other}\\)`, 'i'), withPaymaster(other), /AA30/)
  })

  it('counts the most each self-paid op can cost against the total, and refuses the op that would pass it (built in, and in the module)', async () => {
    for (const policy of [devnet.contracts.sessionKeyManager, devnet.contracts.gasPolicy]) {
      const { checked, unchecked, grant } = await grantedPolicySession(devnet, [counterPermission()], { session: { gas: gasPolicy({ total: parseEther('0.01'), policy }) } })
      const { userOperation } = await sendSession(devnet, checked, [counterCall()])
      const cost = (userOperation.verificationGasLimit + userOperation.callGasLimit + userOperation.preVerificationGas) * userOperation.maxFeePerGas
      // The counter is kept by whoever evaluates the rules: the manager itself, or the module (keyed by the manager).
      const [, used] = await devnet.publicClient.readContract({
        address: policy,
        abi: gasPolicyAbi,
        functionName: 'usage',
        args: [devnet.contracts.sessionKeyManager, grant.account, grant.digest, 2n ** 256n - 1n, 0n],
      })
      assert.equal(used, cost, policy)
      // An op whose largest cost is more than what is left is refused.
      await expectRefusedOnChain(devnet, unchecked, [counterCall()], /PolicyLimitExceeded\(0, /, (op) => ({ ...op, maxFeePerGas: parseGwei('1000'), maxPriorityFeePerGas: 1n }))
    }
  })
})

describe('attack 12 (and the EntryPoint): nested calls that nothing would check', () => {
  it('a wildcard permission cannot reach an installed executor, a batch cannot nest execute on the account, nor call the EntryPoint', async () => {
    const owner = await deployedOwnerAccount(devnet)
    // The owner installs an executor that forwards any call (like an unguarded redeemDelegations).
    const { createWalletClient, http } = await import('viem')
    const deployer = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
    const hash = await deployer.deployContract({ abi: forwardingExecutorAbi, bytecode: forwardingExecutorBytecode })
    const executor = (await devnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account: owner,
      calls: [{ to: owner.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [2n, executor, '0x'] }) }],
    })
    await mintUsd(devnet, owner.address, 1_000n)
    const thief = stranger()
    const { unchecked } = await grantedPolicySession(
      devnet,
      [
        permission({ target: 'any-unsafe', selector: toFunctionSelector('forward(address,address,bytes)') }),
        permission({ target: 'any-unsafe', selector: toFunctionSelector('withdrawTo(address,uint256)') }),
        permission({ target: 'any-unsafe', selector: toFunctionSelector('execute(bytes32,bytes)') }),
      ],
      { owner },
    )
    const drain = encodeFunctionData({ abi: demoTokenAbi, functionName: 'transfer', args: [thief, 1_000n] })
    const forward = encodeFunctionData({ abi: forwardingExecutorAbi, functionName: 'forward', args: [owner.address, devnet.contracts.demoToken, drain] })
    await expectRefusedOnChain(devnet, unchecked, [{ to: executor, data: forward }], new RegExp(`SessionTargetForbidden\\(0, ${executor}\\)`, 'i'))
    const nested = encodeExecute([{ to: devnet.contracts.demoToken, data: drain }])
    await expectRefusedOnChain(devnet, unchecked, [{ to: owner.address, data: nested }], /SessionTargetForbidden\(0, /)
    const withdraw = concat([toFunctionSelector('withdrawTo(address,uint256)'), pad(thief), toHex(1n, { size: 32 })])
    await expectRefusedOnChain(devnet, unchecked, [{ to: devnet.entryPoint, data: withdraw }], new RegExp(`SessionTargetForbidden\\(0, ${devnet.entryPoint}\\)`, 'i'))
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, thief), 0n)

    // And the SDK refuses to grant an explicit permission on the installed executor.
    const session = createSession({ signer: thief, validFor: 60, permissions: [permission({ target: executor, selector: toFunctionSelector('forward(address,address,bytes)') })] })
    await assert.rejects(grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] }), /installed on the account/)
  })
})

describe('attack 11 and 12 again: address zero and fallback handlers', () => {
  it('address zero (the account itself in an ERC-7579 execution), an installed fallback handler, and any module\'s onUninstall are refused', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { createWalletClient, http } = await import('viem')
    const deployer = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
    const hash = await deployer.deployContract({ abi: pingFallbackAbi, bytecode: pingFallbackBytecode })
    const handler = (await devnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
    const ping = toFunctionSelector('ping()')
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account: owner,
      calls: [{ to: owner.address, data: encodeFunctionData({ abi: latchkeyAccountAbi, functionName: 'installModule', args: [3n, handler, ping] }) }],
    })
    const pingsOf = toFunctionSelector('pings(address)')
    const { checked, unchecked } = await grantedPolicySession(
      devnet,
      [permission({ target: 'any-unsafe', selector: ping }), permission({ target: 'any-unsafe', selector: toFunctionSelector('onUninstall(bytes)') }), permission({ target: 'any-unsafe', selector: pingsOf })],
      { owner },
    )
    // To address zero, the account's own execute would call itself, and its fallback would reach the handler.
    await expectRefusedOnChain(devnet, unchecked, [{ to: '0x0000000000000000000000000000000000000000', data: ping }], /SessionTargetForbidden\(0, 0x0000000000000000000000000000000000000000\)/)
    // The handler itself, with the selector it is installed for and with another one (its configuration).
    await expectRefusedOnChain(devnet, unchecked, [{ to: handler, data: ping }], new RegExp(`SessionTargetForbidden\\(0, ${handler}\\)`, 'i'))
    const uninstall = encodeFunctionData({ abi: pingFallbackAbi, functionName: 'onUninstall', args: ['0x'] })
    await expectRefusedOnChain(devnet, unchecked, [{ to: handler, data: uninstall }], new RegExp(`SessionTargetForbidden\\(0, ${handler}\\)`, 'i'))
    // Another function of the handler: the SDK refuses any contract that says it is a fallback module (the
    // manager does not call targets to ask, see docs/sessions.md §1).
    const other = { to: handler, data: encodeFunctionData({ abi: pingFallbackAbi, functionName: 'pings', args: [owner.address] }) }
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: [other] }), (error: unknown) => {
      assert.ok(error instanceof SessionCallRefusedError && error.rule === 'forbidden-target', String(error))
      return true
    })
    assert.equal(await devnet.publicClient.readContract({ address: handler, abi: pingFallbackAbi, functionName: 'installed', args: [owner.address] }), true)
    assert.equal(await devnet.publicClient.readContract({ address: handler, abi: pingFallbackAbi, functionName: 'pings', args: [owner.address] }), 0n)
  })
})
