import type { SmartAccount } from 'viem/account-abstraction'
import { jobCalls } from '../jobs/jobCalls.ts'
import type { JobSpec } from '../jobs/jobSpec.ts'
import { scheduleOf } from '../jobs/schedule.ts'
import { describeWatch, readWatched, watchHolds } from '../jobs/watchCondition.ts'
import { executeRun, type RunContext, type RunOutcome } from '../runs/executeRun.ts'
import { decideAfterError, type StopDecision } from '../runs/stopReason.ts'
import { FINAL_RUN_STATES, type StoredJob, type StoredRun } from '../store/automationStore.ts'

/** Failures in a row (the bundler down, the RPC failing) before a job is paused; between them, 2^n seconds (at most a minute). */
const MAX_FAILURES = 8
const backoffSeconds = (failures: number) => Math.min(2 ** failures, 60)

/** A job ready to work on: its spec, and its session account (its own nonce key). */
export type LoadedJob = { job: StoredJob; spec: JobSpec; account: SmartAccount }

/**
 * One pass over a job: its open run if it has one (after a crash, or sent and not landed yet), else the run
 * of its next slot once that is due. A job's runs go one at a time; after downtime the latest due slot is
 * run and the missed ones are skipped (said in the history).
 */
export async function processJob(context: RunContext, loaded: LoadedJob): Promise<void> {
  const { store } = context
  const { job, spec } = loaded
  let run = await store.openRun(job.id)
  try {
    if (!run) {
      const now = context.now()
      if (!(await isDue(context, loaded, now))) return
      run = await store.claimRun(job.id, job.nextSlot, now)
      // Another worker finished this slot (or it failed before a pause): go on from the next.
      if (FINAL_RUN_STATES.includes(run.state)) {
        await store.updateJob(job.id, { nextSlot: nextSlotAfter(job, spec, run.slot, now) })
        return
      }
    }
    const outcome = await executeRun(context, loaded.account, jobCalls(spec.action, loaded.account.address), run)
    await afterOutcome(context, loaded, outcome)
  } catch (error) {
    const decision = await decideAfterError(context.chain, spec.grant, error)
    if (run) return applyDecision(context, job, run, decision)
    // The watched call failed before any run: retried like the bundler.
    return applyDecision(context, job, undefined, decision)
  }
}

/**
 * Whether the job's next run is due: a schedule's slot time has come; a watch's condition holds now (read
 * on chain; when it does not, the job sleeps `everySeconds`).
 */
async function isDue(context: RunContext, { job, spec }: LoadedJob, now: number): Promise<boolean> {
  if (spec.kind === 'schedule') {
    const due = scheduleOf(spec, job.createdAt).time(job.nextSlot)
    if (due > now) await context.store.updateJob(job.id, { notBefore: due })
    return due <= now
  }
  const value = await readWatched(context.chain, spec.watch!)
  if (!watchHolds(spec.watch!, value)) {
    await context.store.updateJob(job.id, { notBefore: now + spec.everySeconds!, failures: 0 })
    return false
  }
  await context.store.addHistory({ jobId: job.id, runId: null, at: Date.now(), event: 'triggered', detail: `the watched value ${value} is ${describeWatch(spec.watch!)}` })
  return true
}

/** A schedule goes on from the latest due slot (missed ones skipped); a watch from the next. */
const nextSlotAfter = (job: StoredJob, spec: JobSpec, slot: number, now: number) => scheduleOf(spec, job.createdAt).after(slot, now).next

async function afterOutcome(context: RunContext, { job, spec }: LoadedJob, outcome: RunOutcome): Promise<void> {
  const { store } = context
  if (outcome.kind === 'pending') return
  // Signed again next pass; a bundler that keeps refusing the op counts as failures, with the backoff.
  if (outcome.kind === 'again') return applyDecision(context, job, outcome.run, { action: 'retry', reason: outcome.reason })
  const { next: nextSlot, skipped } = scheduleOf(spec, job.createdAt).after(outcome.run.slot, context.now())
  if (skipped > 0) await store.addHistory({ jobId: job.id, runId: null, at: Date.now(), event: 'skipped', detail: `${skipped} slot(s) missed while no worker ran; the next run is for the latest due slot` })
  if (outcome.kind === 'reverted') {
    await store.updateJob(job.id, { nextSlot, failures: 0 })
    // Only an active job is paused by its worker: one its owner paused or cancelled meanwhile stays so.
    if (await store.updateJob(job.id, { status: 'paused', reason: `run ${outcome.run.slot} landed but ${outcome.reason}` }, ['active'])) {
      await store.addHistory({ jobId: job.id, runId: outcome.run.id, at: Date.now(), event: 'paused', detail: `run ${outcome.run.slot}: ${outcome.reason}` })
    }
    return
  }
  const landedRuns = (await store.runs(job.id)).filter((r) => r.state === 'landed').length
  const maxRuns = spec.maxRuns ?? (spec.kind === 'watch' ? 1 : undefined)
  const done = maxRuns !== undefined && landedRuns >= maxRuns
  // A watch that goes on looks again after its interval, not at once.
  const notBefore = spec.kind === 'watch' ? context.now() + spec.everySeconds! : 0
  await store.updateJob(job.id, { nextSlot, failures: 0, notBefore })
  if (done) await store.updateJob(job.id, { status: 'done', reason: `${landedRuns} run${landedRuns === 1 ? '' : 's'} landed (maxRuns)` }, ['active', 'paused'])
}

async function applyDecision(context: RunContext, job: StoredJob, run: StoredRun | undefined, decision: StopDecision): Promise<void> {
  const { store } = context
  const now = context.now()
  const history = (event: string, detail: string) => store.addHistory({ jobId: job.id, runId: run?.id ?? null, at: Date.now(), event, detail })
  // A run that never got an op is over; one that has an op keeps it (it may land, and its nonce is its own).
  const closeRun = async (reason: string) => {
    if (run) await store.moveRun(run.id, ['claimed'], { state: 'failed', reason }, now)
  }
  if (decision.action === 'pause') {
    await closeRun(decision.reason)
    if (await store.updateJob(job.id, { status: 'paused', reason: decision.reason }, ['active'])) await history('paused', decision.reason)
    return
  }
  if (decision.action === 'wait') {
    if (await store.updateJob(job.id, { notBefore: decision.until, reason: decision.reason, failures: 0 }, ['active'])) await history('waiting', decision.reason)
    return
  }
  const failures = job.failures + 1
  if (failures >= MAX_FAILURES) {
    const reason = `${failures} failures in a row; the last: ${decision.reason}`
    await closeRun(reason)
    if (await store.updateJob(job.id, { status: 'paused', reason, failures }, ['active'])) await history('paused', reason)
    return
  }
  const wait = backoffSeconds(failures)
  // A job its owner paused or cancelled meanwhile keeps its status and reason.
  if (await store.updateJob(job.id, { notBefore: now + wait, reason: decision.reason, failures }, ['active'])) await history('retry', `${decision.reason}; again in ${wait} s`)
}
