/**
 * The SDK names the same first refusal as the chain: SessionKeyManager asks the session's gas policy before
 * it looks at the calls (`_checkGas`, then `_checkCalls`), so an op that breaks both a gas bound and a call
 * rule is refused for gas on chain, and must be refused for gas by the SDK too (the session account, before
 * estimating and before signing, and `checkSessionCall`).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { parseGwei } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { checkSessionCall, erc20Policy, gasPolicy, sendUserOperationAndWait, SessionGasRefusedError } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { erc20Call, expectRefusedOnChain, grantedPolicySession, mintUsd, prepareWithFixedGas } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const highFees = { maxFeePerGas: parseGwei('100'), maxPriorityFeePerGas: 1n }

describe('an op breaking both the gas policy and a call rule', () => {
  it('is refused for gas first, on chain and by the SDK, which names the same rule', async () => {
    const token = devnet.contracts.demoToken
    const { owner, grant, checked, unchecked } = await grantedPolicySession(devnet, [erc20Policy({ token, total: 10n })], {
      session: { gas: gasPolicy({ maxFeePerGas: parseGwei('50') }) },
    })
    await mintUsd(devnet, owner.address, 1_000n)
    const over = [erc20Call(token, 'transfer', [privateKeyToAccount(generatePrivateKey()).address, 100n])] // 100 > the total of 10

    // The chain: each breach alone is refused under its own rule; both together, the gas rule comes first.
    await expectRefusedOnChain(devnet, unchecked, over, /PolicyLimitExceeded\(0, 0, 100, 10\)/)
    await expectRefusedOnChain(devnet, unchecked, over, /^GasFeeAboveLimit\(100000000000, 50000000000\)/, (op) => ({ ...op, ...highFees }))

    // The SDK, before estimating: the same rule.
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: checked, calls: over, fees: highFees }), (error: unknown) => {
      assert.ok(error instanceof SessionGasRefusedError, String(error))
      assert.match(error.reason, /\(GasFeeAboveLimit\)$/)
      return true
    })
    // Before signing an op prepared elsewhere (fixed gas, nothing estimated): the same rule.
    const op = { ...(await prepareWithFixedGas(devnet, unchecked, over)), ...highFees }
    await assert.rejects(checked.signUserOperation(op), (error: unknown) => {
      assert.ok(error instanceof SessionGasRefusedError, String(error))
      assert.match(error.reason, /\(GasFeeAboveLimit\)$/)
      return true
    })
    // checkSessionCall with the op's fee: the gas rule, for the op as a whole.
    const verdict = await checkSessionCall(devnet.publicClient, { grant, calls: over, gas: { maxFeePerGas: highFees.maxFeePerGas } })
    assert.ok(!verdict.ok)
    assert.deepEqual([verdict.rule, verdict.callIndex], ['gas', -1])
    assert.match(verdict.reason, /\(GasFeeAboveLimit\)$/)
    // Without figures, it judges the fee the session account would offer (well under the bound): the call rule.
    const byDefault = await checkSessionCall(devnet.publicClient, { grant, calls: over })
    assert.ok(!byDefault.ok)
    assert.deepEqual([byDefault.rule, byDefault.callIndex], ['policy', 0])
    assert.match(byDefault.reason, /\(PolicyLimitExceeded\)$/)
  })
})
