/**
 * Issue 17, exactly once across crashes: a worker process SIGKILLs itself right after it recorded a run's
 * op (before sending it), or right after sending it (before recording the receipt). Restarted, it goes on
 * from its records and the chain: each run lands exactly once (the payee holds exactly the runs' amounts).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import type { AutomationTestFault } from '@latchkey/automation'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { runnerFor, subscriptionJob, tempDir } from './fixtures/automationJobs.ts'
import { spawnWorker } from './fixtures/automationWorkers.ts'
import { balanceOf } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const waitFor = async (check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`not done within ${timeoutMs} ms`)
}

describe('automation runner: a worker killed mid-run', () => {
  const cases: [AutomationTestFault, string, string][] = [
    ['crash-after-record', 'signed', 'between recording a run and sending it'],
    ['crash-after-send', 'sent', 'after sending it, before recording its receipt'],
  ]
  for (const [fault, leftAs, when] of cases) {
    it(`SIGKILL ${when}: restarted, each run lands exactly once`, async () => {
      const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 100n, amount: 10n, everySeconds: 2, maxRuns: 2 })
      const dataDir = tempDir('latchkey-automation-')
      const reader = await runnerFor(devnet, { dataDir })
      try {
        const id = await reader.addJob(spec, key)
        const doomed = await spawnWorker(devnet, dataDir, { testFault: fault })
        assert.deepEqual(await doomed.exited, { code: null, signal: 'SIGKILL' })
        const [run] = (await reader.getJob(id))!.runs
        assert.equal(run!.state, leftAs, 'the run as the killed worker left it')
        assert.ok(run!.userOpHash && run!.nonce, 'its op and nonce were recorded before the crash')

        const worker = await spawnWorker(devnet, dataDir)
        try {
          await waitFor(async () => (await reader.getJob(id))!.job.status === 'done')
        } finally {
          await worker.stop()
        }
        const view = (await reader.getJob(id))!
        // Slot 0, then the latest slot due when the restarted worker got to it (missed ones are skipped).
        assert.deepEqual(view.runs.map((r) => r.state), ['landed', 'landed'])
        assert.equal(view.runs[0]!.slot, 0)
        assert.equal(view.runs[0]!.userOpHash, run!.userOpHash, 'the first run landed with the op recorded before the crash')
        assert.equal(await balanceOf(devnet, token, payee), 20n, 'paid exactly twice')
      } finally {
        await reader.close()
      }
    })
  }
})
