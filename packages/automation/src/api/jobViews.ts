import type { JobView } from '../automation.ts'
import type { HistoryEntry, JobStatus, RunState, StoredJob } from '../store/automationStore.ts'

/** A job as the API lists it (no sealed key, ever). */
export type JobSummary = {
  id: string
  status: JobStatus
  reason: string | null
  kind: string
  action: string
  /** How often (a schedule has this or `cron`; a watch reads this often). */
  everySeconds: number | null
  cron: string | null
  session: string
  nextSlot: number
  notBefore: number
  failures: number
  createdAt: number
}

/** A run as the API shows it. */
export type RunSummary = { slot: number; state: RunState; nonce: string | null; userOpHash: string | null; hashes: string[]; txHash: string | null; gasUsed: string | null; reason: string | null; updatedAt: number }

/** One job with its spec (as stored: JSON, the grant serialized), its runs and its history. */
export type JobDetails = JobSummary & { spec: unknown; runs: RunSummary[]; history: HistoryEntry[] }

export function jobSummary(job: StoredJob): JobSummary {
  const spec = JSON.parse(job.spec) as { kind: string; everySeconds?: number; cron?: string; action: { type: string }; grant: { digest: string } }
  return {
    id: job.id,
    status: job.status,
    reason: job.reason,
    kind: spec.kind,
    action: spec.action.type,
    everySeconds: spec.everySeconds ?? null,
    cron: spec.cron ?? null,
    session: spec.grant.digest,
    nextSlot: job.nextSlot,
    notBefore: job.notBefore,
    failures: job.failures,
    createdAt: job.createdAt,
  }
}

export function jobDetails(view: JobView): JobDetails {
  return {
    ...jobSummary(view.job),
    spec: JSON.parse(view.job.spec),
    runs: view.runs.map((r) => ({ slot: r.slot, state: r.state, nonce: r.nonce, userOpHash: r.userOpHash, hashes: JSON.parse(r.hashes) as string[], txHash: r.txHash, gasUsed: r.gasUsed, reason: r.reason, updatedAt: r.updatedAt })),
    history: view.history,
  }
}
