/** When runs are due: interval and cron schedules, the first slot, and what is skipped after downtime. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cronProblem, scheduleOf } from './schedule.ts'
import type { JobSpec } from './jobSpec.ts'

const spec = (timing: Partial<JobSpec>) => ({ kind: 'schedule', ...timing }) as JobSpec
const START = 1_700_000_001 // 20 s past a 5-minute boundary (1_699_999_800 + 201)

describe('schedules', () => {
  it('an interval: slot n at the start plus n intervals; after downtime, the latest due slot, the others counted as skipped', () => {
    const s = scheduleOf(spec({ everySeconds: 60 }), START)
    assert.equal(s.first, 0)
    assert.equal(s.time(3), START + 180)
    assert.deepEqual(s.after(0, START + 10), { next: 1, skipped: 0 })
    assert.deepEqual(s.after(0, START + 60 * 5 + 1), { next: 5, skipped: 4 })
  })

  it('a cron expression (UTC): slots are fire times, the first at or after the start', () => {
    const s = scheduleOf(spec({ cron: '*/5 * * * *' }), START)
    assert.equal(s.first, 1_700_000_100)
    assert.equal(s.time(s.first), 1_700_000_100)
    assert.deepEqual(s.after(s.first, s.first + 2), { next: 1_700_000_400, skipped: 0 })
    // Down for three fire times: the latest due runs, the two before it are skipped.
    assert.deepEqual(s.after(s.first, s.first + 900 + 10), { next: s.first + 900, skipped: 2 })
    // A start exactly on a fire time is that slot.
    assert.equal(scheduleOf(spec({ cron: '*/5 * * * *' }), 1_700_000_100).first, 1_700_000_100)
    // Six fields: seconds first.
    assert.equal(scheduleOf(spec({ cron: '*/10 * * * * *' }), START).first, 1_700_000_010)
  })

  it('an H field (a time picked by hashing) picks the same time at every parse', () => {
    const firsts = new Set(Array.from({ length: 8 }, () => scheduleOf(spec({ cron: 'H * * * *' }), START).first))
    assert.equal(firsts.size, 1)
  })

  it('refuses what is not a 5- or 6-field expression the parser takes', () => {
    assert.equal(cronProblem('0 9 * * 1'), undefined)
    assert.match(cronProblem('* * *')!, /3 fields/)
    assert.match(cronProblem('61 * * * *')!, /59/)
    assert.match(cronProblem('* * * * * * *')!, /7 fields/)
  })
})
