import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createClient, custom, numberToHex, parseEther, parseGwei, zeroAddress, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { SessionGasBoundTooLowError } from '../errors/session.ts'
import { assertSessionGasUsable, MIN_SESSION_OP_GAS } from '../sessions/assertSessionGasUsable.ts'
import { createSession, permission } from '../sessions/createSession.ts'
import { decodeGasPolicyConfig } from './gasPolicyConfig.ts'
import { gasPolicy } from './gasPolicy.ts'
import { sessionGasBounds } from './sessionGasBounds.ts'
import { DEFAULT_SESSION_GAS_BOUNDS } from './sessionGasDefaults.ts'

const signer: Address = '0x1111111111111111111111111111111111111111'
const target: Address = '0x2222222222222222222222222222222222222222'
const base = { signer, validFor: 3600, permissions: [permission({ target })] }

/** A client of a chain whose latest block has `baseFee` and whose node suggests `priorityFee`. */
function feeClient(baseFee: bigint, priorityFee: bigint) {
  return createClient({
    transport: custom({
      async request({ method }) {
        if (method === 'eth_chainId') return '0x1'
        if (method === 'eth_maxPriorityFeePerGas') return numberToHex(priorityFee)
        if (method === 'eth_getBlockByNumber') {
          return { number: '0x10', hash: `0x${'ab'.repeat(32)}`, timestamp: '0x6000', baseFeePerGas: numberToHex(baseFee), transactions: [], gasLimit: '0x1c9c380', gasUsed: '0x0' }
        }
        throw new Error(`unexpected ${method}`)
      },
    }),
  })
}

describe('session gas bounds by default', () => {
  it('gives every session the default GasPolicy bounds unless `gas` is given; `unbounded` is no gas policy', () => {
    const session = createSession(base)
    assert.equal(session.gasPolicy, latchkeyModules.sessionKeyManager) // the manager's built-in GasPolicy rules
    const config = decodeGasPolicyConfig(session.gasPolicyConfig)
    assert.deepEqual(
      { maxFeePerGas: config.maxFeePerGas, total: config.total, maxGasLimit: config.maxGasLimit, paymasterMode: config.paymasterMode },
      { maxFeePerGas: DEFAULT_SESSION_GAS_BOUNDS.maxFeePerGas, total: DEFAULT_SESSION_GAS_BOUNDS.total, maxGasLimit: DEFAULT_SESSION_GAS_BOUNDS.maxGasLimit, paymasterMode: 'none' },
    )
    assert.deepEqual([DEFAULT_SESSION_GAS_BOUNDS.maxFeePerGas, DEFAULT_SESSION_GAS_BOUNDS.total, DEFAULT_SESSION_GAS_BOUNDS.maxGasLimit], [parseGwei('200'), parseEther('0.05'), 30_000_000n])
    const unbounded = createSession({ ...base, gas: 'unbounded' })
    assert.deepEqual([unbounded.gasPolicy, unbounded.gasPolicyConfig], [zeroAddress, '0x'])
    const own = gasPolicy({ maxFeePerGas: 7n })
    assert.equal(createSession({ ...base, gas: own }).gasPolicyConfig, own.config)
    assert.throws(() => createSession({ ...base, gas: 'none' as never }), /'unbounded'/)
  })

  it('sessionGasBounds derives the fee cap from the chain: a multiple of base fee + priority fee', async () => {
    const client = feeClient(parseGwei('20'), parseGwei('2'))
    const derived = decodeGasPolicyConfig((await sessionGasBounds(client)).config)
    assert.equal(derived.maxFeePerGas, parseGwei('66'))
    assert.equal(derived.total, DEFAULT_SESSION_GAS_BOUNDS.total)
    assert.equal(derived.maxGasLimit, DEFAULT_SESSION_GAS_BOUNDS.maxGasLimit)
    const custom = decodeGasPolicyConfig((await sessionGasBounds(client, { feeMultiplier: 1.5, total: parseEther('1'), paymaster: 'none' })).config)
    assert.deepEqual([custom.maxFeePerGas, custom.total, custom.paymasterMode], [parseGwei('33'), parseEther('1'), 'none'])
    await assert.rejects(sessionGasBounds(client, { feeMultiplier: 0.5 }), /≥ 1/)
  })

  it('refuses, with a typed error naming the bound, a session whose fee cap is below what the chain needs now', async () => {
    const session = createSession(base) // 200 gwei
    await assertSessionGasUsable(feeClient(parseGwei('190'), parseGwei('2')), session)
    await assert.rejects(assertSessionGasUsable(feeClient(parseGwei('210'), parseGwei('2')), [createSession({ ...base, gas: 'unbounded' }), session]), (error: unknown) => {
      assert.ok(error instanceof SessionGasBoundTooLowError, String(error))
      assert.equal(error.bound, 'maxFeePerGas')
      assert.deepEqual([error.limit, error.needed], [parseGwei('200'), parseGwei('212')])
      assert.match(error.message, /fee cap is 200 gwei per gas, and an op must offer 212 gwei \(base fee 210 \+ priority fee 2\) now/)
      assert.match(error.metaMessages!.join('\n'), /sessionGasBounds\(client\)|'unbounded'/)
      return true
    })
  })

  it('refuses a total below one small op at the current fee, unless a paymaster always pays', async () => {
    const tiny = createSession({ ...base, gas: gasPolicy({ maxFeePerGas: parseGwei('100'), total: parseGwei('1') * 1000n }) })
    await assert.rejects(assertSessionGasUsable(feeClient(parseGwei('10'), parseGwei('1')), tiny), (error: unknown) => {
      assert.ok(error instanceof SessionGasBoundTooLowError, String(error))
      assert.deepEqual([error.bound, error.needed], ['total', MIN_SESSION_OP_GAS * parseGwei('11')])
      return true
    })
    const sponsored = createSession({ ...base, gas: gasPolicy({ maxFeePerGas: parseGwei('100'), total: 1n, paymaster: { allow: [target], required: true } }) })
    await assertSessionGasUsable(feeClient(parseGwei('10'), parseGwei('1')), sponsored)
  })
})
