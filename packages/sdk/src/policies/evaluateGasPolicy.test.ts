import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { getAddress, numberToHex, zeroAddress, type Address, type Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { evaluateGasPolicy } from './evaluateGasPolicy.ts'
import { decodeGasPolicyConfig, encodeGasPolicyConfig } from './gasPolicyConfig.ts'
import type { GasPolicyConfig, LimitUsage, PaymasterMode, PolicyEvaluation } from './policyTypes.ts'

const paymasterA: Address = '0x00000000000000000000000000000000000000a1'
const paymasterB: Address = '0x00000000000000000000000000000000000000b2'
const fresh = (): LimitUsage => ({ periodId: 0n, used: 0n })
const u128 = (value: bigint) => numberToHex(value, { size: 16 }).slice(2)
const gwei = 10n ** 9n

const open: GasPolicyConfig = { maxFeePerGas: 0n, maxGasLimit: 0n, total: 0n, perPeriod: 0n, period: 0, paymasterMode: 'any', paymasters: [] }

type Options = { paymaster?: Address; gasLimit?: bigint; maxFeePerGas?: bigint; declaredTime?: number; usage?: (limitIndex: number) => LimitUsage }
function evaluate(config: GasPolicyConfig | Hex, options: Options = {}): PolicyEvaluation {
  return evaluateGasPolicy({
    config: typeof config === 'string' ? config : encodeGasPolicyConfig(config),
    paymaster: options.paymaster ?? zeroAddress,
    gasLimit: options.gasLimit ?? 500_000n,
    maxFeePerGas: options.maxFeePerGas ?? 2n * gwei,
    declaredTime: options.declaredTime ?? 1_000_000,
    usage: options.usage ?? fresh,
  })
}

function refused(result: PolicyEvaluation, name: string, args: readonly (bigint | string)[] = []) {
  assert.equal(result.ok, false, 'expected a refusal')
  if (!result.ok) assert.deepEqual(result.error, { name, args }, result.reason)
}

describe('GasPolicy config', () => {
  it('writes four 16-byte bounds ‖ period ‖ mode ‖ count ‖ paymasters and reads it back', () => {
    const config: GasPolicyConfig = {
      maxFeePerGas: 50n * gwei,
      maxGasLimit: 2_000_000n,
      total: 10n ** 17n,
      perPeriod: 10n ** 16n,
      period: 86_400,
      paymasterMode: 'noneOrListed',
      paymasters: [getAddress(paymasterA), getAddress(paymasterB)],
    }
    const encoded = encodeGasPolicyConfig(config)
    assert.equal(encoded, `0x${u128(50n * gwei)}${u128(2_000_000n)}${u128(10n ** 17n)}${u128(10n ** 16n)}00015180${'02'}${'02'}${paymasterA.slice(2)}${paymasterB.slice(2)}`)
    assert.deepEqual(decodeGasPolicyConfig(encoded), config)
    for (const [mode, code] of [['any', '00'], ['none', '01'], ['listed', '03']] as const) {
      const bytes = encodeGasPolicyConfig({ ...open, paymasterMode: mode, paymasters: mode === 'listed' ? [paymasterA] : [] })
      assert.equal(bytes.slice(2 + 2 * 68, 2 + 2 * 69), code)
      assert.equal(decodeGasPolicyConfig(bytes).paymasterMode, mode)
    }
  })

  it('names the field it cannot encode', () => {
    const refuses = (config: GasPolicyConfig, field: string) =>
      assert.throws(() => encodeGasPolicyConfig(config), (e: unknown) => e instanceof InvalidParameterError && e.parameter === field)
    refuses({ ...open, maxFeePerGas: 1n << 128n }, 'config.maxFeePerGas')
    refuses({ ...open, perPeriod: 1n }, 'config.period')
    refuses({ ...open, paymasterMode: 'sometimes' as PaymasterMode }, 'config.paymasterMode')
    refuses({ ...open, paymasters: [paymasterA] }, 'config.paymasters')
    refuses({ ...open, paymasterMode: 'listed' }, 'config.paymasters')
    refuses({ ...open, paymasterMode: 'listed', paymasters: [paymasterA, zeroAddress] }, 'config.paymasters[1]')
  })

  it('refuses bytes that are not exactly 70 + 20 × count, an unknown mode, or a per-period bound without a period', () => {
    const valid = encodeGasPolicyConfig({ ...open, paymasterMode: 'listed', paymasters: [paymasterA] })
    for (const config of [`${valid}00`, valid.slice(0, -2), valid.slice(0, 2 + 2 * 69), '0x'] as Hex[]) {
      assert.throws(() => decodeGasPolicyConfig(config), PolicyConfigError)
    }
    const header = (perPeriod: bigint, period: string, mode: string) => `0x${u128(0n)}${u128(0n)}${u128(0n)}${u128(perPeriod)}${period}${mode}00` as Hex
    assert.throws(() => decodeGasPolicyConfig(header(0n, '00000000', '04')), /unknown paymaster mode 4/)
    assert.throws(() => decodeGasPolicyConfig(header(1n, '00000000', '00')), /per-period bound without a period/)
    assert.equal(decodeGasPolicyConfig(header(0n, '0000003c', '00')).period, 60)
    // The contract takes listed paymasters for any mode, and the zero address in a list.
    const zeroListed = `${header(0n, '00000000', '03').slice(0, -2)}01${zeroAddress.slice(2)}` as Hex
    assert.deepEqual(decodeGasPolicyConfig(zeroListed).paymasters, [zeroAddress])
  })
})

describe('evaluateGasPolicy', () => {
  it('checks the config first (GasPolicyConfigMalformed)', () => {
    refused(evaluate(`${encodeGasPolicyConfig(open)}00`), 'GasPolicyConfigMalformed')
    refused(evaluate('0x'), 'GasPolicyConfigMalformed')
    refused(evaluate(`0x${u128(0n).repeat(4)}000000000500`, { paymaster: paymasterA }), 'GasPolicyConfigMalformed')
  })

  it('applies each paymaster mode', () => {
    const modes: [PaymasterMode, Address[], allowed: Address[], refusedPaymasters: Address[]][] = [
      ['any', [], [zeroAddress, paymasterA], []],
      ['none', [], [zeroAddress], [paymasterA]],
      ['noneOrListed', [paymasterA], [zeroAddress, paymasterA], [paymasterB]],
      ['listed', [paymasterA], [paymasterA], [zeroAddress, paymasterB]],
    ]
    for (const [paymasterMode, paymasters, allowed, refusedPaymasters] of modes) {
      const config = { ...open, paymasterMode, paymasters }
      for (const paymaster of allowed) assert.equal(evaluate(config, { paymaster }).ok, true, `${paymasterMode} ${paymaster}`)
      for (const paymaster of refusedPaymasters) refused(evaluate(config, { paymaster }), 'GasPaymasterRefused', [paymaster])
    }
    // A zero address in a 'listed' list does not let the account pay.
    const zeroListed = `0x${u128(0n).repeat(4)}00000000${'03'}${'01'}${zeroAddress.slice(2)}` as Hex
    refused(evaluate(zeroListed), 'GasPaymasterRefused', [zeroAddress])
    // Paymasters compare without case.
    assert.equal(evaluate({ ...open, paymasterMode: 'listed', paymasters: [paymasterA] }, { paymaster: getAddress(paymasterA) }).ok, true)
  })

  it('refuses a fee or a gas limit above its bound, the paymaster first, then the fee', () => {
    const bounded: GasPolicyConfig = { ...open, maxFeePerGas: 10n * gwei, maxGasLimit: 1_000_000n, paymasterMode: 'none' }
    assert.equal(evaluate(bounded, { maxFeePerGas: 10n * gwei, gasLimit: 1_000_000n }).ok, true)
    refused(evaluate(bounded, { maxFeePerGas: 10n * gwei + 1n }), 'GasFeeAboveLimit', [10n * gwei + 1n, 10n * gwei])
    refused(evaluate(bounded, { gasLimit: 1_000_001n }), 'GasLimitAboveLimit', [1_000_001n, 1_000_000n])
    refused(evaluate(bounded, { gasLimit: 1_000_001n, maxFeePerGas: 11n * gwei }), 'GasFeeAboveLimit', [11n * gwei, 10n * gwei])
    refused(evaluate(bounded, { paymaster: paymasterA, maxFeePerGas: 11n * gwei }), 'GasPaymasterRefused', [paymasterA])
    // The bounds hold for paymaster-paid ops too.
    refused(evaluate({ ...bounded, paymasterMode: 'any' }, { paymaster: paymasterA, gasLimit: 2_000_000n }), 'GasLimitAboveLimit', [2_000_000n, 1_000_000n])
  })

  it('counts gasLimit × maxFeePerGas of self-paid ops, total (limit 0) then per period (limit 1)', () => {
    const config: GasPolicyConfig = { ...open, total: 10n ** 16n, perPeriod: 2n * 10n ** 15n, period: 3600 }
    const cost = 500_000n * 2n * gwei // 10^15 wei
    const stored = (byIndex: LimitUsage[]) => (i: number) => byIndex[i]!
    assert.deepEqual(evaluate(config, { declaredTime: 3600 * 3 + 1, usage: stored([{ periodId: 0n, used: 5n * 10n ** 15n }, { periodId: 2n, used: 2n * 10n ** 15n }]) }), {
      ok: true,
      validAfter: 10_800,
      validUntil: 14_399,
      usage: [
        { limitIndex: 0, usage: { periodId: 0n, used: 6n * 10n ** 15n } },
        { limitIndex: 1, usage: { periodId: 3n, used: cost } },
      ],
    })
    refused(evaluate(config, { usage: stored([{ periodId: 0n, used: 95n * 10n ** 14n }, fresh()]) }), 'PolicyLimitExceeded', [0n, 95n * 10n ** 14n, cost, 10n ** 16n])
    const perPeriod = evaluate(config, { declaredTime: 3600 * 3, usage: stored([fresh(), { periodId: 3n, used: 15n * 10n ** 14n }]) })
    refused(perPeriod, 'PolicyLimitExceeded', [1n, 15n * 10n ** 14n, cost, 2n * 10n ** 15n])
    assert.equal(!perPeriod.ok && perPeriod.reason, 'the wei paid for gas (limit 1) in this 3,600-second period would reach 2,500,000,000,000,000, above the limit of 2,000,000,000,000,000')
    refused(evaluate(config, { declaredTime: 3600 * 3, usage: stored([fresh(), { periodId: 4n, used: 0n }]) }), 'PolicyPeriodPast', [1n])
  })

  it('counts nothing for paymaster-paid ops and returns no window', () => {
    const config: GasPolicyConfig = { ...open, total: 1n, perPeriod: 1n, period: 60 }
    const full = () => ({ periodId: 10n ** 6n, used: 1n })
    assert.deepEqual(evaluate(config, { paymaster: paymasterA, usage: full }), { ok: true, validAfter: 0, validUntil: 0, usage: [] })
    refused(evaluate(config, { usage: full }), 'PolicyPeriodPast', [0n])
  })

  it('saturates an absurd cost at 2^256 − 1, refused by any bound', () => {
    const max = (1n << 256n) - 1n
    const config: GasPolicyConfig = { ...open, total: (1n << 128n) - 1n }
    refused(evaluate(config, { gasLimit: 1n << 200n, maxFeePerGas: 1n << 100n }), 'PolicyLimitExceeded', [0n, 0n, max, (1n << 128n) - 1n])
    refused(evaluate(config, { gasLimit: 1n << 64n, maxFeePerGas: 1n << 64n }), 'PolicyLimitExceeded', [0n, 0n, 1n << 128n, (1n << 128n) - 1n])
    assert.equal(evaluate(open, { gasLimit: max, maxFeePerGas: max }).ok, true) // no bound, no counter
  })

  it('refuses arguments the contract cannot receive', () => {
    assert.throws(() => evaluate(open, { gasLimit: 1n << 256n }), InvalidParameterError)
    assert.throws(() => evaluate(open, { maxFeePerGas: -1n }), InvalidParameterError)
    assert.throws(() => evaluate(open, { paymaster: '0x1234' }), InvalidParameterError)
  })
})
