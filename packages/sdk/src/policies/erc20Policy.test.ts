import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeFunctionData, erc20Abi, numberToHex, size, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ANY_SELECTOR } from '../sessions/session.ts'
import { decodeErc20PolicyConfig } from './erc20PolicyConfig.ts'
import { erc20Policy } from './erc20Policy.ts'
import { evaluateErc20Policy } from './evaluateErc20Policy.ts'

const token: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const router: Address = '0xE592427A0AEce92De3Edee1F18E0157C05861564'
const account: Address = '0x00000000000000000000000000000000000000aa'
const word = (value: bigint) => numberToHex(value, { size: 32 })

describe('erc20Policy', () => {
  it('targets the token with any selector, no value, the Erc20Policy module and the §4 config', () => {
    const p = erc20Policy({ token, recipients: [router], perCall: 100_000000n, total: 1_000_000000n, perPeriod: { max: 300_000000n, period: 86_400 } })
    assert.equal(p.target, token)
    assert.equal(p.selector, ANY_SELECTOR)
    assert.equal(p.valueLimit, 0n)
    assert.equal(p.policy, latchkeyModules.erc20Policy)
    assert.equal(p.policyConfig, concat([word(100_000000n), word(1_000_000000n), word(300_000000n), '0x00015180', '0x01', router]).toLowerCase())
    assert.deepEqual(decodeErc20PolicyConfig(p.policyConfig), { perCall: 100_000000n, total: 1_000_000000n, perPeriod: 300_000000n, period: 86_400, recipients: [router] })
  })

  it('has no caps and any recipient by default (101 zero bytes), and takes another module', () => {
    const policy: Address = '0x000000000000000000000000000000000000c0de'
    const p = erc20Policy({ token, policy })
    assert.equal(p.policy, policy)
    assert.equal(size(p.policyConfig), 101)
    assert.equal(BigInt(p.policyConfig), 0n)
  })

  it('is what Erc20Policy evaluates: recipients and the per-call cap', () => {
    const p = erc20Policy({ token, recipients: [router], perCall: 100n })
    const transfer = (to: Address, amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
    const evaluate = (data: `0x${string}`) => evaluateErc20Policy({ config: p.policyConfig, account, data, declaredTime: 1_800_000_000, usage: () => ({ periodId: 0n, used: 0n }) })
    assert.equal(evaluate(transfer(router, 100n)).ok, true)
    const above = evaluate(transfer(router, 101n))
    assert.equal(above.ok ? 'ok' : above.error.name, 'Erc20AmountAboveCap')
    const elsewhere = evaluate(transfer(account, 1n))
    assert.equal(elsewhere.ok ? 'ok' : elsewhere.error.name, 'Erc20RecipientRefused')
  })

  it('refuses what cannot be a sound ERC-20 permission', () => {
    const refuses = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof InvalidParameterError && pattern.test(e.message))
    refuses(() => erc20Policy({ token: '0x0000000000000000000000000000000000000000' }), /token.*any contract/)
    refuses(() => erc20Policy({ token: '0x1234' }), /token/)
    refuses(() => erc20Policy({ token, perCall: -1n }), /perCall/)
    refuses(() => erc20Policy({ token, total: 1n << 256n }), /total/)
    refuses(() => erc20Policy({ token, perPeriod: { max: 5n, period: 0 } }), /perPeriod\.period/)
    refuses(() => erc20Policy({ token, perPeriod: { max: 0n, period: 60 } }), /perPeriod\.max/)
    refuses(() => erc20Policy({ token, recipients: Array.from({ length: 256 }, () => router) }), /at most 255/)
    refuses(() => erc20Policy({ token, recipients: [router, '0xnope'] }), /recipients\[1\]/)
  })
})
