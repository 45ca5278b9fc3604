import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { LatchkeyError } from './LatchkeyError.ts'
import { UserOperationDroppedError } from './userOperation.ts'

describe('LatchkeyError', () => {
  it('puts the short message first, then the facts, then the details', () => {
    const error = new LatchkeyError('Session refused.', { metaMessages: ['Rule: value ≤ 1 ETH'], details: 'value was 2 ETH' })
    assert.equal(error.message, 'Session refused.\n\nRule: value ≤ 1 ETH\n\nDetails: value was 2 ETH')
    assert.equal(error.shortMessage, 'Session refused.')
  })

  it('walks the cause chain to a matching error', () => {
    const root = new Error('rpc down')
    const error = new UserOperationDroppedError('0x01', undefined, 'not_found', { waitedMs: 5, cause: root })
    assert.equal(error.walk((e) => e === root), root)
    assert.equal(error.walk((e) => e instanceof TypeError), undefined)
    assert.ok(error instanceof LatchkeyError)
    assert.match(error.message, /Bundler status: not_found/)
  })
})
