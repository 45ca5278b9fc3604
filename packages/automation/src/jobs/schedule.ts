import { CronExpressionParser } from 'cron-parser'
import type { JobSpec } from './jobSpec.ts'

/**
 * When a job's runs are due. A run is for one slot, and slots are ids: for an interval, its index (slot n
 * at the start plus n intervals); for a cron expression, its fire time in seconds (UTC). A job goes on from
 * the latest slot due: slots missed while no worker ran are skipped, and counted.
 */
export type Schedule = {
  /** The job's first slot. */
  first: number
  /** When `slot` is due (seconds). */
  time(slot: number): number
  /** The slot to run after `slot`, at `now`: the next, or the latest due when later ones were missed; and how many were skipped. */
  after(slot: number, now: number): { next: number; skipped: number }
}

/** Slots a cron schedule counts one by one when it says how many were skipped; more are "at least" this many. */
const MAX_COUNTED = 10_000

/**
 * The expression's times from `seconds` on, in UTC. Its `H` fields (a time picked by hashing) are hashed
 * from the expression itself, so every parse, in every worker, picks the same times (the library's default
 * seed is random per parse).
 */
const cronFrom = (expression: string, seconds: number) => CronExpressionParser.parse(expression, { currentDate: new Date(seconds * 1000), tz: 'UTC', hashSeed: expression })
const toSeconds = (date: { getTime(): number }) => Math.floor(date.getTime() / 1000)

/** The fire time of `expression` after `seconds` (or before, with `previous`), in seconds. */
function fire(expression: string, seconds: number, previous = false): number {
  const cron = cronFrom(expression, seconds)
  return toSeconds(previous ? cron.prev() : cron.next())
}

function cronSchedule(expression: string, start: number): Schedule {
  return {
    first: fire(expression, start - 1),
    time: (slot) => slot,
    after(slot, now) {
      const following = fire(expression, slot)
      const latestDue = fire(expression, now + 1, true)
      if (latestDue <= following) return { next: following, skipped: 0 }
      // One parse, stepped: the fire times after `following`, counted until the latest due.
      const times = cronFrom(expression, following)
      let skipped = 1
      while (skipped < MAX_COUNTED && toSeconds(times.next()) < latestDue) skipped++
      return { next: latestDue, skipped }
    },
  }
}

function intervalSchedule(everySeconds: number, start: number): Schedule {
  return {
    first: 0,
    time: (slot) => start + slot * everySeconds,
    after(slot, now) {
      const next = Math.max(slot + 1, Math.floor((now - start) / everySeconds))
      return { next, skipped: next - slot - 1 }
    },
  }
}

/** A watch runs each time its condition holds again: its slots are a count. */
const watchSlots: Schedule = { first: 0, time: () => 0, after: (slot) => ({ next: slot + 1, skipped: 0 }) }

export function scheduleOf(spec: JobSpec, createdAt: number): Schedule {
  if (spec.kind === 'watch') return watchSlots
  const start = spec.startAt ?? createdAt
  return spec.cron !== undefined ? cronSchedule(spec.cron, start) : intervalSchedule(spec.everySeconds!, start)
}

/** Whether `expression` is a cron expression this runner takes: 5 fields (minute…day of week) or 6 (seconds first); why not. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) return `${fields.length} fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)`
  try {
    fire(expression, Math.floor(Date.now() / 1000))
  } catch (error) {
    return (error as Error).message
  }
  return undefined
}

/** The schedule in words, for the history and listings. */
export const describeSchedule = (spec: JobSpec) => (spec.cron !== undefined ? `at "${spec.cron}" (UTC)` : `every ${spec.everySeconds} s`)
