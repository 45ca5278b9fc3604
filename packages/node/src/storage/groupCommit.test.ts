import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { GroupCommit } from './groupCommit.ts'

/** A transaction that counts its commits and rolls back (throws) when its work throws. */
function counting() {
  const committed: unknown[][] = []
  let current: unknown[] = []
  const transaction = (work: () => void) => {
    current = []
    work()
    committed.push(current)
  }
  return { committed, transaction, log: (value: unknown) => current.push(value) }
}

describe('group commit', () => {
  it('writes asked for together share one transaction; each caller gets its own result', async () => {
    const db = counting()
    const group = new GroupCommit(db.transaction)
    const results = await Promise.all([1, 2, 3].map((n) => group.write(() => (db.log(n), n * 10))))
    assert.deepEqual(results, [10, 20, 30])
    assert.deepEqual(db.committed, [[1, 2, 3]])
    // A later write is a transaction of its own.
    assert.equal(await group.write(() => (db.log(4), 'four')), 'four')
    assert.deepEqual(db.committed, [[1, 2, 3], [4]])
  })

  it('a write that throws fails its whole batch: no caller is told its write committed', async () => {
    const db = counting()
    const group = new GroupCommit(db.transaction)
    const outcomes = await Promise.allSettled([group.write(() => db.log(1)), group.write(() => { throw new Error('constraint') })])
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected'])
    assert.deepEqual(db.committed, [])
  })
})
