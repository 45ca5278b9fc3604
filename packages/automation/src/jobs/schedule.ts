import type { JobSpec } from './jobSpec.ts'

/** When slot `slot` of a schedule is due (seconds): the first at its start, then one every interval. */
export const slotTime = (spec: JobSpec, createdAt: number, slot: number) => (spec.startAt ?? createdAt) + slot * spec.everySeconds

/** The latest slot due at `now` (−1 before the first). */
export const dueSlot = (spec: JobSpec, createdAt: number, now: number) => Math.floor((now - (spec.startAt ?? createdAt)) / spec.everySeconds)
