import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { AutomationStore, JobStatus } from '../store/automationStore.ts'

const JOB_STATUSES: readonly JobStatus[] = ['active', 'paused', 'cancelled', 'done']

/**
 * The runner's Prometheus metrics, on a registry of its own (several runners in one process do not mix):
 * events by name, finished runs by result, gas of runs on chain, passes' duration, and jobs by status (read
 * from the store at each scrape, so every worker process reports the same numbers for the shared store).
 */
export class AutomationMetrics {
  readonly registry = new Registry()
  readonly #events = new Counter({ name: 'latchkey_automation_events_total', help: 'Job history events written by this process, by event.', labelNames: ['event'], registers: [this.registry] })
  readonly #runs = new Counter({ name: 'latchkey_automation_runs_total', help: 'Runs this process saw finish, by result (landed, reverted, failed).', labelNames: ['result'], registers: [this.registry] })
  readonly #gas = new Counter({ name: 'latchkey_automation_gas_used_total', help: 'Gas used by the ops of runs this process saw land (actualGasUsed).', registers: [this.registry] })
  readonly #passes = new Histogram({
    name: 'latchkey_automation_pass_seconds',
    help: 'Duration of one pass over one job (read, sign, send, wait to land).',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  })

  constructor(store: AutomationStore) {
    new Gauge({
      name: 'latchkey_automation_jobs',
      help: 'Jobs in the store, by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await store.countJobs()
        for (const status of JOB_STATUSES) this.set({ status }, counts[status])
      },
    })
  }

  event(name: string) {
    this.#events.inc({ event: name })
  }

  runFinished(result: string, gasUsed: string | null | undefined) {
    this.#runs.inc({ result })
    if (gasUsed) this.#gas.inc(Number(gasUsed))
  }

  /** Times `pass`, which is recorded whether it succeeds or throws. */
  async timePass<T>(pass: () => Promise<T>): Promise<T> {
    const end = this.#passes.startTimer()
    try {
      return await pass()
    } finally {
      end()
    }
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
