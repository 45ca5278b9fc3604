import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { incrementOf, withReserved } from './reservedUsage.ts'

const u = (periodId: number, used: number) => ({ periodId: BigInt(periodId), used: BigInt(used) })

describe('reserved usage', () => {
  it('adds amounts of the stored period, starts a later one, and ignores an earlier one', () => {
    assert.deepEqual(withReserved(u(5, 10), [u(5, 20), u(5, 1)]), u(5, 31))
    assert.deepEqual(withReserved(u(5, 10), [u(6, 20)]), u(6, 20))
    assert.deepEqual(withReserved(u(5, 10), [u(4, 99)]), u(5, 10))
    // Order does not matter: the later period wins, and what is in it adds up.
    assert.deepEqual(withReserved(u(5, 10), [u(6, 3), u(5, 7), u(6, 4)]), u(6, 7))
    assert.deepEqual(withReserved(u(0, 0), []), u(0, 0))
  })

  it('an increment is what moved, in the period of the new counter; nothing when nothing moved', () => {
    assert.deepEqual(incrementOf(u(5, 10), u(5, 25)), u(5, 15))
    assert.deepEqual(incrementOf(u(5, 10), u(6, 4)), u(6, 4))
    assert.equal(incrementOf(u(5, 10), u(5, 10)), undefined)
  })
})
