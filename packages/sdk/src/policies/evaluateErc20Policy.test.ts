import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, erc20Abi, getAddress, numberToHex, parseAbi, slice, type Address, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { decodeErc20PolicyConfig, encodeErc20PolicyConfig } from './erc20PolicyConfig.ts'
import { evaluateErc20Policy } from './evaluateErc20Policy.ts'
import type { Erc20PolicyConfig, LimitUsage, PolicyEvaluation } from './policyTypes.ts'

const account: Address = '0x00000000000000000000000000000000000000aa'
const alice: Address = '0x00000000000000000000000000000000000A11cE'
const bob: Address = '0x0000000000000000000000000000000000000b0b'
const fresh = (): LimitUsage => ({ periodId: 0n, used: 0n })
const word = (value: bigint) => numberToHex(value, { size: 32 }).slice(2)

const noCaps: Erc20PolicyConfig = { perCall: 0n, total: 0n, perPeriod: 0n, period: 0, recipients: [] }
const tokenAbi = [...erc20Abi, ...parseAbi(['function increaseAllowance(address spender, uint256 added) returns (bool)'])]
const transfer = (to: Address, amount: bigint) => encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [to, amount] })
const approve = (spender: Address, amount: bigint) => encodeFunctionData({ abi: tokenAbi, functionName: 'approve', args: [spender, amount] })
const increaseAllowance = (spender: Address, amount: bigint) => encodeFunctionData({ abi: tokenAbi, functionName: 'increaseAllowance', args: [spender, amount] })
const transferFrom = (from: Address, to: Address, amount: bigint) => encodeFunctionData({ abi: tokenAbi, functionName: 'transferFrom', args: [from, to, amount] })

type Options = { declaredTime?: number; usage?: (limitIndex: number) => LimitUsage }
function evaluate(config: Erc20PolicyConfig | Hex, data: Hex, options: Options = {}): PolicyEvaluation {
  return evaluateErc20Policy({
    config: typeof config === 'string' ? config : encodeErc20PolicyConfig(config),
    account,
    data,
    declaredTime: options.declaredTime ?? 1_000_000,
    usage: options.usage ?? fresh,
  })
}

function refused(result: PolicyEvaluation, name: string, args: readonly (bigint | string)[] = []) {
  assert.equal(result.ok, false, 'expected a refusal')
  if (!result.ok) assert.deepEqual(result.error, { name, args }, result.reason)
}

describe('Erc20Policy config', () => {
  it('writes perCall ‖ total ‖ perPeriod ‖ period ‖ count ‖ recipients and reads it back', () => {
    const config: Erc20PolicyConfig = { perCall: 5n, total: 100n, perPeriod: 20n, period: 86_400, recipients: [getAddress(alice), getAddress(bob)] }
    const encoded = encodeErc20PolicyConfig(config)
    assert.equal(encoded, `0x${word(5n)}${word(100n)}${word(20n)}00015180${'02'}${alice.slice(2).toLowerCase()}${bob.slice(2)}`)
    assert.deepEqual(decodeErc20PolicyConfig(encoded), config)
    assert.deepEqual(decodeErc20PolicyConfig(encodeErc20PolicyConfig(noCaps)), noCaps)
  })

  it('names the field it cannot encode', () => {
    const refuses = (config: Erc20PolicyConfig, field: string) =>
      assert.throws(() => encodeErc20PolicyConfig(config), (e: unknown) => e instanceof InvalidParameterError && e.parameter === field)
    refuses({ ...noCaps, perPeriod: 1n }, 'config.period')
    refuses({ ...noCaps, perCall: 1n << 256n }, 'config.perCall')
    refuses({ ...noCaps, period: 2 ** 32 }, 'config.period')
    refuses({ ...noCaps, recipients: ['0x1234'] }, 'config.recipients[0]')
    refuses({ ...noCaps, recipients: Array.from({ length: 256 }, () => alice) }, 'config.recipients (count)')
  })

  it('refuses bytes that are not exactly 101 + 20 × count, or a per-period cap without a period', () => {
    const valid = encodeErc20PolicyConfig({ ...noCaps, recipients: [alice] })
    for (const config of [`${valid}00`, valid.slice(0, -2), valid.slice(0, 2 + 2 * 100), '0x'] as Hex[]) {
      assert.throws(() => decodeErc20PolicyConfig(config), PolicyConfigError)
    }
    const perPeriodOnly = `0x${word(0n)}${word(0n)}${word(1n)}0000000000` as Hex
    assert.throws(() => decodeErc20PolicyConfig(perPeriodOnly), /per-period cap without a period/)
    // A period without a per-period cap is allowed (and unused).
    assert.equal(decodeErc20PolicyConfig(`0x${word(0n)}${word(0n)}${word(0n)}0000003c00`).period, 60)
  })
})

describe('evaluateErc20Policy', () => {
  it('checks the config first (Erc20ConfigMalformed), whatever the call', () => {
    const valid = encodeErc20PolicyConfig(noCaps)
    refused(evaluate(`${valid}00`, '0x'), 'Erc20ConfigMalformed')
    refused(evaluate(`0x${word(0n)}${word(0n)}${word(1n)}0000000000`, transfer(alice, 1n)), 'Erc20ConfigMalformed')
    refused(evaluate('0x', transfer(alice, 1n)), 'Erc20ConfigMalformed')
  })

  it('refuses other functions with their selector, 0 when the calldata is shorter than 4 bytes', () => {
    refused(evaluate(noCaps, '0x'), 'Erc20FunctionRefused', ['0x00000000'])
    refused(evaluate(noCaps, '0xa9059c'), 'Erc20FunctionRefused', ['0x00000000'])
    refused(evaluate(noCaps, '0xDEADBEEF'), 'Erc20FunctionRefused', ['0xdeadbeef'])
    const burn = encodeFunctionData({ abi: parseAbi(['function burn(uint256)']), functionName: 'burn', args: [1n] })
    refused(evaluate(noCaps, burn), 'Erc20FunctionRefused', [slice(burn, 0, 4)])
  })

  it('refuses short calldata and dirty addresses (Erc20CallMalformed)', () => {
    const data = transfer(alice, 1n)
    refused(evaluate(noCaps, slice(data, 0, 67)), 'Erc20CallMalformed')
    assert.equal(evaluate(noCaps, slice(data, 0, 68)).ok, true)
    assert.equal(evaluate(noCaps, `${data}ff`).ok, true) // longer is fine
    refused(evaluate(noCaps, slice(transferFrom(account, alice, 1n), 0, 99)), 'Erc20CallMalformed')
    const dirty = `0xa9059cbb${'01'}${data.slice(12)}` as Hex
    refused(evaluate(noCaps, dirty), 'Erc20CallMalformed')
    const bit160 = `0xa9059cbb${'00'.repeat(11)}01${data.slice(34)}` as Hex // the lowest bit above the address
    refused(evaluate(noCaps, bit160), 'Erc20CallMalformed')
    // transferFrom: a dirty `to` is malformed even when `from` is not the account.
    const dirtyTo = transferFrom(bob, alice, 1n).replace(/^(0x23b872dd.{64})00/, '$1ff') as Hex
    refused(evaluate(noCaps, dirtyTo), 'Erc20CallMalformed')
  })

  it('takes transferFrom only from the account', () => {
    refused(evaluate(noCaps, transferFrom(bob, alice, 1n)), 'Erc20FromNotAccount', [bob])
    assert.equal(evaluate(noCaps, transferFrom(account, alice, 1n)).ok, true)
  })

  it('refuses recipients and spenders not listed, and takes any when none is listed', () => {
    const listed: Erc20PolicyConfig = { ...noCaps, recipients: [getAddress(alice)] }
    assert.equal(evaluate(listed, transfer(alice, 1n)).ok, true)
    refused(evaluate(listed, transfer(bob, 1n)), 'Erc20RecipientRefused', [bob])
    refused(evaluate(listed, approve(bob, 1n)), 'Erc20RecipientRefused', [bob])
    refused(evaluate(listed, increaseAllowance(bob, 1n)), 'Erc20RecipientRefused', [bob])
    refused(evaluate(listed, transferFrom(account, bob, 1n)), 'Erc20RecipientRefused', [bob])
    assert.equal(evaluate(listed, transferFrom(account, alice, 1n)).ok, true)
    assert.equal(evaluate(noCaps, transfer(bob, 1n)).ok, true)
    // The account check comes before the recipient check.
    refused(evaluate(listed, transferFrom(bob, bob, 1n)), 'Erc20FromNotAccount', [bob])
  })

  it('refuses an amount above the per-call cap, for every function', () => {
    const capped: Erc20PolicyConfig = { ...noCaps, perCall: 100n, recipients: [alice] }
    for (const data of [transfer(alice, 101n), approve(alice, 101n), increaseAllowance(alice, 101n), transferFrom(account, alice, 101n)]) {
      refused(evaluate(capped, data), 'Erc20AmountAboveCap', [101n, 100n])
    }
    const result = evaluate(capped, transfer(alice, 1_000_000n))
    assert.equal(!result.ok && result.reason, 'transfer of 1,000,000 is above the per-call cap of 100')
    assert.deepEqual(evaluate(capped, transfer(alice, 100n)), { ok: true, validAfter: 0, validUntil: 0, usage: [] })
  })

  it('counts every function against the total (limit 0) and per period (limit 1), in that order', () => {
    const config: Erc20PolicyConfig = { ...noCaps, total: 1000n, perPeriod: 300n, period: 3600 }
    const declaredTime = 3600 * 5 + 10
    const usage = (byIndex: LimitUsage[]) => (i: number) => byIndex[i]!
    assert.deepEqual(evaluate(config, approve(alice, 200n), { declaredTime, usage: usage([{ periodId: 0n, used: 700n }, { periodId: 4n, used: 300n }]) }), {
      ok: true,
      validAfter: 18_000,
      validUntil: 21_599,
      usage: [
        { limitIndex: 0, usage: { periodId: 0n, used: 900n } },
        { limitIndex: 1, usage: { periodId: 5n, used: 200n } },
      ],
    })
    refused(evaluate(config, transfer(alice, 200n), { declaredTime, usage: usage([{ periodId: 0n, used: 900n }, fresh()]) }), 'PolicyLimitExceeded', [0n, 900n, 200n, 1000n])
    refused(evaluate(config, transfer(alice, 200n), { declaredTime, usage: usage([fresh(), { periodId: 5n, used: 200n }]) }), 'PolicyLimitExceeded', [1n, 200n, 200n, 300n])
    refused(evaluate(config, transfer(alice, 1n), { declaredTime, usage: usage([fresh(), { periodId: 6n, used: 0n }]) }), 'PolicyPeriodPast', [1n])
    // The total is lifetime: a stored period other than 0 is past.
    refused(evaluate(config, transfer(alice, 1n), { declaredTime, usage: usage([{ periodId: 1n, used: 0n }, fresh()]) }), 'PolicyPeriodPast', [0n])
  })

  it('keeps no counter for a cap of 0', () => {
    const totalOnly = evaluate({ ...noCaps, total: 10n, period: 60 }, transfer(alice, 4n))
    assert.deepEqual(totalOnly, { ok: true, validAfter: 0, validUntil: 0, usage: [{ limitIndex: 0, usage: { periodId: 0n, used: 4n } }] })
    const periodOnly = evaluate({ ...noCaps, perPeriod: 10n, period: 60 }, transfer(alice, 4n), { declaredTime: 125 })
    assert.deepEqual(periodOnly, { ok: true, validAfter: 120, validUntil: 179, usage: [{ limitIndex: 1, usage: { periodId: 2n, used: 4n } }] })
  })

  it('refuses arguments the contract cannot receive', () => {
    assert.throws(() => evaluateErc20Policy({ config: encodeErc20PolicyConfig(noCaps), account: '0x12', data: '0x', declaredTime: 0, usage: fresh }), InvalidParameterError)
    assert.throws(() => evaluate(noCaps, '0x', { declaredTime: -1 }), InvalidParameterError)
  })
})
