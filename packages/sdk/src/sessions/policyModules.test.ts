import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { latchkeyModules } from '../deployments.ts'
import { evaluatesCallRules, evaluatesGasRules, misdirectedBuiltInPolicy } from './policyModules.ts'

const other = '0x00000000000000000000000000000000000000aa' as const

describe('policyModules', () => {
  it('CallPolicy configs are evaluated by the module, or by the manager named as the built-in one', () => {
    assert.equal(evaluatesCallRules(latchkeyModules.callPolicy), true)
    assert.equal(evaluatesCallRules(latchkeyModules.sessionKeyManager, { ...latchkeyModules, sessionKeyManager: latchkeyModules.sessionKeyManager }), true)
    assert.equal(evaluatesCallRules(latchkeyModules.sessionKeyManager, { ...latchkeyModules, sessionKeyManager: other }), false)
    assert.equal(evaluatesCallRules(other, { ...latchkeyModules, sessionKeyManager: other }), true)
    assert.equal(evaluatesCallRules(latchkeyModules.erc20Policy), false)
  })

  it('finds a permission that names the deterministic manager in a session for another manager', () => {
    const session = { permissions: [{ policy: latchkeyModules.erc20Policy }, { policy: latchkeyModules.sessionKeyManager }] }
    assert.equal(misdirectedBuiltInPolicy(session, other), 1)
    assert.equal(misdirectedBuiltInPolicy(session, latchkeyModules.sessionKeyManager), undefined)
    assert.equal(misdirectedBuiltInPolicy({ permissions: [{ policy: other }] }, other), undefined)
  })

  it('GasPolicy configs likewise: the module, or the manager; a session for another manager naming the deterministic one is found', () => {
    assert.equal(evaluatesGasRules(latchkeyModules.gasPolicy), true)
    assert.equal(evaluatesGasRules(latchkeyModules.sessionKeyManager), true)
    assert.equal(evaluatesGasRules(latchkeyModules.sessionKeyManager, { ...latchkeyModules, sessionKeyManager: other }), false)
    assert.equal(evaluatesGasRules(other, { ...latchkeyModules, sessionKeyManager: other }), true)
    assert.equal(evaluatesGasRules(latchkeyModules.callPolicy), false)
    const session: { permissions: { policy: `0x${string}` }[]; gasPolicy: `0x${string}` } = { permissions: [{ policy: other }], gasPolicy: latchkeyModules.sessionKeyManager }
    assert.equal(misdirectedBuiltInPolicy(session, other), 'gas')
    assert.equal(misdirectedBuiltInPolicy(session, latchkeyModules.sessionKeyManager), undefined)
    assert.equal(misdirectedBuiltInPolicy({ ...session, gasPolicy: other }, other), undefined)
  })
})
