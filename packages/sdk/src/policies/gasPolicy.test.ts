import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { concat, numberToHex, parseEther, parseGwei, size, zeroAddress, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { createSession, permission } from '../sessions/createSession.ts'
import { evaluateGasPolicy } from './evaluateGasPolicy.ts'
import { decodeGasPolicyConfig } from './gasPolicyConfig.ts'
import { gasPolicy } from './gasPolicy.ts'

const paymaster: Address = '0x00000000000000000000000000000000000000Fa'
const other: Address = '0x00000000000000000000000000000000000000fb'
const u128 = (value: bigint) => numberToHex(value, { size: 16 })
const zeros64 = concat([u128(0n), u128(0n), u128(0n), u128(0n)])

describe('gasPolicy', () => {
  it('encodes the bounds of §5, for the manager (built-in rules) by default or the GasPolicy module', () => {
    const gas = gasPolicy({ maxFeePerGas: parseGwei('50'), maxGasLimit: 2_000_000n, total: parseEther('0.1'), perPeriod: { max: parseEther('0.01'), period: 86_400 } })
    assert.equal(gas.policy, latchkeyModules.sessionKeyManager) // built in by default
    assert.equal(gasPolicy({ policy: latchkeyModules.gasPolicy }).policy, latchkeyModules.gasPolicy)
    assert.equal(gas.config, concat([u128(parseGwei('50')), u128(2_000_000n), u128(parseEther('0.1')), u128(parseEther('0.01')), '0x00015180', '0x00', '0x00']))
    assert.deepEqual(decodeGasPolicyConfig(gas.config), {
      maxFeePerGas: parseGwei('50'),
      maxGasLimit: 2_000_000n,
      total: parseEther('0.1'),
      perPeriod: parseEther('0.01'),
      period: 86_400,
      paymasterMode: 'any',
      paymasters: [],
    })
  })

  it('maps the paymaster choices to modes any, none, noneOrListed and listed', () => {
    assert.equal(gasPolicy().config, concat([zeros64, '0x00000000', '0x00', '0x00']))
    assert.equal(size(gasPolicy().config), 70)
    assert.equal(gasPolicy({ paymaster: 'none' }).config, concat([zeros64, '0x00000000', '0x01', '0x00']))
    assert.equal(gasPolicy({ paymaster: { allow: [paymaster] } }).config, concat([zeros64, '0x00000000', '0x02', '0x01', paymaster]).toLowerCase())
    assert.equal(gasPolicy({ paymaster: { allow: [paymaster, other], required: false } }).config.slice(-84, -80), '0202')
    assert.equal(gasPolicy({ paymaster: { allow: [paymaster], required: true } }).config, concat([zeros64, '0x00000000', '0x03', '0x01', paymaster]).toLowerCase())
  })

  it('is what createSession takes as gas, and what GasPolicy evaluates', () => {
    const gas = gasPolicy({ maxFeePerGas: parseGwei('50'), paymaster: 'none', policy: '0x000000000000000000000000000000000000c0de' })
    const session = createSession({ signer: '0x1111111111111111111111111111111111111111', validFor: 60, permissions: [permission({ target: other })], gas })
    assert.equal(session.gasPolicy, '0x000000000000000000000000000000000000c0de')
    assert.equal(session.gasPolicyConfig, gas.config)
    const evaluate = (fee: bigint, pm: Address) =>
      evaluateGasPolicy({ config: gas.config, paymaster: pm, gasLimit: 100_000n, maxFeePerGas: fee, declaredTime: 1_800_000_000, usage: () => ({ periodId: 0n, used: 0n }) })
    assert.equal(evaluate(parseGwei('50'), zeroAddress).ok, true)
    const expensive = evaluate(parseGwei('51'), zeroAddress)
    assert.equal(expensive.ok ? 'ok' : expensive.error.name, 'GasFeeAboveLimit')
    const sponsored = evaluate(1n, paymaster)
    assert.equal(sponsored.ok ? 'ok' : sponsored.error.name, 'GasPaymasterRefused')
  })

  it('refuses bounds that do not fit and paymaster lists that mean nothing', () => {
    const refuses = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof InvalidParameterError && pattern.test(e.message))
    refuses(() => gasPolicy({ maxFeePerGas: 1n << 128n }), /maxFeePerGas.*uint128/)
    refuses(() => gasPolicy({ total: -1n }), /total/)
    refuses(() => gasPolicy({ perPeriod: { max: 1n, period: 0 } }), /perPeriod\.period/)
    refuses(() => gasPolicy({ perPeriod: { max: 0n, period: 60 } }), /perPeriod\.max/)
    refuses(() => gasPolicy({ paymaster: { allow: [] } }), /paymaster\.allow.*'none'/)
    refuses(() => gasPolicy({ paymaster: { allow: [zeroAddress] } }), /zero address/)
    refuses(() => gasPolicy({ paymaster: 'some' as 'any' }), /paymaster/)
  })
})
