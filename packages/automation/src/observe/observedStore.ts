import { FINAL_RUN_STATES, type AutomationStore, type HistoryEntry } from '../store/automationStore.ts'
import type { AutomationMetrics } from './automationMetrics.ts'

/** Where the runner writes a log line (one JSON object per event); the worker process writes them to stdout. */
export type EventLogSink = (line: Record<string, unknown>) => void

export const jsonLinesToStdout: EventLogSink = (line) => process.stdout.write(`${JSON.stringify(line)}\n`)

/**
 * The store as the runner uses it: every history entry is also a structured log line and an event count,
 * and every run moved to a final state counts its result and gas. One place, so no event is written to the
 * history without reaching the logs and the metrics.
 */
export function observedStore(store: AutomationStore, metrics: AutomationMetrics, log: EventLogSink | undefined, worker: string): AutomationStore {
  const overrides: Partial<AutomationStore> = {}
  overrides.addHistory = async (entry: HistoryEntry) => {
    await store.addHistory(entry)
    metrics.event(entry.event)
    log?.({ time: new Date(entry.at).toISOString(), level: 'info', event: entry.event, jobId: entry.jobId, runId: entry.runId, detail: entry.detail, worker })
  }
  overrides.moveRun = async (id, from, patch, now) => {
    const moved = await store.moveRun(id, from, patch, now)
    if (moved && FINAL_RUN_STATES.includes(patch.state)) metrics.runFinished(patch.state, patch.gasUsed)
    return moved
  }
  // Every other method is the store's own, bound to it (the stores keep private fields).
  return new Proxy(store, {
    get(target, property) {
      const own = overrides[property as keyof AutomationStore]
      if (own) return own
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
