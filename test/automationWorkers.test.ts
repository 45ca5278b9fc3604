/**
 * Issue 17, scaling out: two worker processes on one PostgreSQL database, pg-boss handing out the job
 * passes. Every run of every job lands exactly once (each payee holds exactly its runs' amounts), none is
 * lost, and both processes did work. Needs a PostgreSQL server (`.ci/run` starts one).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { runnerFor, subscriptionJob, tempDir } from './fixtures/automationJobs.ts'
import { spawnWorker } from './fixtures/automationWorkers.ts'
import { balanceOf } from './fixtures/policySessions.ts'
import { freshPostgresDatabase, postgresServerUrl } from './fixtures/postgresDatabase.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const JOBS = 4
const RUNS = 2

describe('automation runner: two pg-boss workers on one database', { skip: postgresServerUrl ? false : 'LATCHKEY_TEST_POSTGRES_URL is not set (.ci/run sets it)' }, () => {
  it(`${JOBS} jobs of ${RUNS} runs each: every run exactly once, none lost, both workers working`, async () => {
    const databaseUrl = await freshPostgresDatabase('latchkey_automation')
    const [dirA, dirB] = [tempDir('latchkey-automation-'), tempDir('latchkey-automation-')]
    const reader = await runnerFor(devnet, { dataDir: dirA, databaseUrl })
    // The processes share the at-rest key that seals the session keys.
    copyFileSync(join(dirA, 'runner.key'), join(dirB, 'runner.key'))
    const jobs = []
    for (let i = 0; i < JOBS; i++) {
      const job = await subscriptionJob(devnet, { total: 100n, amount: 3n, everySeconds: 2, maxRuns: RUNS })
      jobs.push({ ...job, id: await reader.addJob(job.spec, job.key) })
    }
    const workers = await Promise.all([spawnWorker(devnet, dirA, { databaseUrl }), spawnWorker(devnet, dirB, { databaseUrl })])
    try {
      const until = Date.now() + 120_000
      while ((await reader.listJobs()).some((job) => job.status !== 'done')) {
        if (Date.now() > until) throw new Error(`not done: ${JSON.stringify((await reader.listJobs()).map((j) => [j.status, j.reason]))}`)
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()))
    }
    const signers = new Set<string>()
    for (const job of jobs) {
      const view = (await reader.getJob(job.id))!
      assert.deepEqual(view.runs.map((r) => r.state), Array(RUNS).fill('landed'), `job ${job.id}`)
      assert.equal(await balanceOf(devnet, job.token, job.payee), 3n * BigInt(RUNS), `job ${job.id} paid exactly ${RUNS} times`)
      for (const entry of view.history.filter((h) => h.event === 'signed')) signers.add(entry.detail.split(' by ')[1]!)
    }
    assert.equal(signers.size, 2, `runs were signed by ${[...signers].join(', ')}`)
    await reader.close()
  })
})
