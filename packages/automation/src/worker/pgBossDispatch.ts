import PgBoss from 'pg-boss'
import type { AutomationStore } from '../store/automationStore.ts'

const QUEUE = 'latchkey-job-pass'

/**
 * Creates the queue unless it exists. Two processes creating it at once can deadlock in PostgreSQL (pg-boss
 * inserts the queue's row and creates its table in one statement): the loser retries and finds it made.
 */
async function createQueueOnce(boss: PgBoss): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    if (await boss.getQueue(QUEUE)) return
    try {
      return await boss.createQueue(QUEUE, { name: QUEUE, policy: 'stately', retryLimit: 0, expireInSeconds: 120 })
    } catch (error) {
      if ((error as { code?: string }).code !== '40P01' || attempt >= 5) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200))
    }
  }
}

/**
 * Spreads job passes over worker processes with pg-boss on the runner's PostgreSQL: every process puts a
 * pass of each due job on one queue, keyed by the job (the queue's `stately` policy keeps at most one waiting
 * and one running per job, so a job's passes never overlap), and works the queue, `concurrency` passes at
 * once. A pass that outlives its expiry may be run again by another process: the run records make that
 * safe (one nonce per run, whichever op lands counts once).
 */
export async function startPgBossDispatch(options: {
  databaseUrl: string
  store: AutomationStore
  runJob: (jobId: string) => Promise<void>
  now: () => number
  pollMs: number
  concurrency: number
}): Promise<{ stop(): Promise<void> }> {
  const boss = new PgBoss({ connectionString: options.databaseUrl, schema: 'latchkey_boss', max: 4 })
  boss.on('error', (error) => console.error(JSON.stringify({ event: 'pg-boss-error', error: String(error) })))
  await boss.start()
  await createQueueOnce(boss)
  const workers = await Promise.all(
    Array.from({ length: options.concurrency }, () =>
      boss.work<{ jobId: string }>(QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, options.pollMs / 1000) }, async ([job]) => options.runJob(job!.data.jobId)),
    ),
  )
  let stopped = false
  let dispatching: Promise<void> = Promise.resolve()
  const dispatch = async () => {
    for (const job of await options.store.dueJobs(options.now())) await boss.send(QUEUE, { jobId: job.id }, { singletonKey: job.id })
  }
  const loop = () => {
    if (stopped) return
    dispatching = dispatch()
      .catch((error: unknown) => console.error(JSON.stringify({ event: 'dispatch-failed', error: String(error) })))
      .finally(() => setTimeout(loop, options.pollMs))
  }
  loop()
  return {
    async stop() {
      stopped = true
      await dispatching
      for (const id of workers) await boss.offWork({ id })
      await boss.stop({ graceful: true, wait: true })
    },
  }
}
