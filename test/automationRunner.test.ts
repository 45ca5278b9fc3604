/**
 * Issue 17, the automation runner in one process, against the devnet's anvil and Alto: a subscription paid
 * on schedule until its session's total stops it (paused with the reason, nothing sent over the limit), a
 * revoked session pausing its job, a bundler down for a while (retried with backoff, then landed), two
 * runners racing on the same run (one op lands, nothing paid twice), and specs refused with their field.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { generatePrivateKey } from 'viem/accounts'
import { revokeSessions } from '@latchkey/sdk'
import { JobSpecError, JobStateError } from '@latchkey/automation'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { automationBackends, passUntil, runnerFor, subscriptionJob, tempDir } from './fixtures/automationJobs.ts'
import { balanceOf } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

for (const backend of automationBackends('automation runner')) {
describe(`automation runner: schedules under a session (${backend.name})`, () => {
  it('a subscription of 10 every 2 s under a total of 25: paid twice, then paused with the reason, nothing sent over the total', async () => {
    const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 25n, amount: 10n, everySeconds: 2 })
    const automation = await runnerFor(devnet, { databaseUrl: await backend.database() })
    try {
      const id = await automation.addJob(spec, key)
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'paused')
      const view = (await automation.getJob(id))!
      assert.equal(await balanceOf(devnet, token, payee), 20n)
      assert.deepEqual(view.runs.map((r) => r.state), ['landed', 'landed', 'failed'])
      assert.match(view.job.reason!, /refuses the run \(policy\).*25/)
      const events = view.history.map((h) => h.event)
      assert.deepEqual(events.filter((e) => e === 'landed').length, 2)
      assert.equal(events.at(-1), 'paused')
      // Every landed run has its op, transaction and gas in the history.
      for (const run of view.runs.filter((r) => r.state === 'landed')) assert.ok(run.txHash && run.gasUsed && run.userOpHash)
    } finally {
      await automation.close()
    }
  })

  it('a revoked session: the job pauses with the reason', async () => {
    const { owner, key, grant, spec } = await subscriptionJob(devnet, { total: 1_000n, amount: 1n, everySeconds: 1 })
    const automation = await runnerFor(devnet, { databaseUrl: await backend.database() })
    try {
      const id = await automation.addJob(spec, key)
      await passUntil(automation, async () => (await automation.getJob(id))!.runs.some((r) => r.state === 'landed'))
      await revokeSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [grant.digest] })
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'paused')
      assert.match((await automation.getJob(id))!.job.reason!, /cannot be used \(revoked\)/)
    } finally {
      await automation.close()
    }
  })

  it('the bundler down for a while: retried with backoff, then landed', async () => {
    const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 100n, amount: 7n, everySeconds: 60, maxRuns: 1 })
    const proxy = await bundlerProxy(devnet.bundlerUrl)
    const automation = await runnerFor(devnet, { bundlerUrl: proxy.url, databaseUrl: await backend.database() })
    try {
      const id = await automation.addJob(spec, key)
      proxy.setDown(true)
      await passUntil(automation, async () => (await automation.getJob(id))!.history.filter((h) => h.event === 'retry').length >= 2, 20_000)
      assert.equal(await balanceOf(devnet, token, payee), 0n)
      proxy.setDown(false)
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'done', 30_000)
      assert.equal(await balanceOf(devnet, token, payee), 7n)
      assert.match((await automation.getJob(id))!.history.find((h) => h.event === 'retry')!.detail, /did not answer/)
    } finally {
      await automation.close()
      proxy.close()
    }
  })

  it('two runners on one store race on the same run: one op lands, nothing is paid twice', async () => {
    const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 100n, amount: 5n, everySeconds: 60, maxRuns: 1 })
    const dataDir = tempDir('latchkey-automation-')
    const databaseUrl = await backend.database()
    const first = await runnerFor(devnet, { dataDir, databaseUrl })
    const second = await runnerFor(devnet, { dataDir, databaseUrl })
    try {
      const id = await first.addJob(spec, key)
      await Promise.all([first.runDue(), second.runDue()])
      await passUntil(first, async () => (await first.getJob(id))!.job.status === 'done')
      assert.equal(await balanceOf(devnet, token, payee), 5n)
      const view = (await first.getJob(id))!
      assert.deepEqual(view.runs.map((r) => [r.slot, r.state]), [[0, 'landed']])
      // Both signed an op for the run; the second found the first's recorded and sent that one.
      const events = view.history.map((h) => h.event)
      assert.deepEqual([events.filter((e) => e === 'signed').length, events.filter((e) => e === 'signed-by-another-worker').length, events.filter((e) => e === 'landed').length], [1, 1, 1])
    } finally {
      await first.close()
      await second.close()
    }
  })

  it('a cron schedule: a run at each time of the expression (every 2 s), its slots those times', async () => {
    const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 100n, amount: 4n, everySeconds: 1, maxRuns: 2 })
    const { everySeconds: _interval, ...timeless } = spec
    const automation = await runnerFor(devnet, { databaseUrl: await backend.database() })
    try {
      const id = await automation.addJob({ ...timeless, cron: '*/2 * * * * *' }, key)
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'done')
      const view = (await automation.getJob(id))!
      assert.equal(await balanceOf(devnet, token, payee), 8n)
      assert.deepEqual(view.runs.map((r) => r.state), ['landed', 'landed'])
      // Each slot is the fire time it ran for: even seconds, after the job was added, in order.
      for (const run of view.runs) assert.ok(run.slot % 2 === 0 && run.slot >= view.job.createdAt, `slot ${run.slot}`)
      assert.ok(view.runs[1]!.slot > view.runs[0]!.slot)
      assert.match(view.history[0]!.detail, /recurring-payment at "\*\/2 \* \* \* \* \*" \(UTC\)/)
    } finally {
      await automation.close()
    }
  })

  it('a spec that cannot run is refused with its field, and nothing is stored; changes to a missing or cancelled job are refused', async () => {
    const { key, spec } = await subscriptionJob(devnet, { total: 10n, amount: 1n, everySeconds: 5 })
    const automation = await runnerFor(devnet, { databaseUrl: await backend.database() })
    try {
      const refused = async (input: unknown, field: string, sessionKey = key, id?: string) =>
        assert.rejects(automation.addJob(input, sessionKey, id), (error: unknown) => error instanceof JobSpecError && error.field === field)
      await refused({ ...spec, everySeconds: 0 }, 'everySeconds')
      await refused({ ...spec, kind: 'cron' }, 'kind')
      await refused({ ...spec, kind: 'watch' }, 'watch')
      await refused({ ...spec, kind: 'watch', watch: { to: spec.action.to, data: '0x12345678', below: '1', above: '2' } }, 'watch')
      await refused({ ...spec, extra: true }, 'extra')
      await refused({ ...spec, action: { ...spec.action, amount: '-1' } }, 'action.amount')
      await refused({ ...spec, action: { ...spec.action, to: '0x1234' } }, 'action.to')
      await refused({ ...spec, grant: { format: 'nope' } }, 'grant')
      await refused(spec, 'sessionKey', generatePrivateKey())
      const { everySeconds: _interval, ...timeless } = spec
      await refused({ ...timeless, cron: '61 * * * *' }, 'cron')
      await refused({ ...timeless, cron: '* * *' }, 'cron')
      await refused({ ...spec, cron: '* * * * *' }, 'cron')
      await refused({ ...timeless }, 'everySeconds')
      assert.deepEqual(await automation.listJobs(), [])
      // Changes to a job that does not exist, or cannot take them, are refused with a typed error.
      await assert.rejects(automation.pause('nope'), (error: unknown) => error instanceof JobStateError && error.jobId === 'nope')
      const id = await automation.addJob(spec, key, 'job-1')
      await refused(spec, 'id', key, 'job-1')
      await automation.cancel(id)
      await assert.rejects(automation.resume(id), JobStateError)
      // Paused then resumed, a cancelled job would run again: pausing it is refused too.
      await assert.rejects(automation.pause(id), JobStateError)
      await assert.rejects(automation.cancel(id), JobStateError)
      assert.equal((await automation.getJob(id))!.job.status, 'cancelled')
      await refused(spec, 'id', key, 'not an id!')
    } finally {
      await automation.close()
    }
  })
})
}

/** A proxy in front of the bundler that answers 503 while it is "down". */
async function bundlerProxy(target: string) {
  let down = false
  const upstream = new URL(target)
  const server: Server = createServer((req, res) => {
    if (down) {
      res.writeHead(503).end('bundler down (test)')
      return
    }
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, setDown: (value: boolean) => (down = value), close: () => server.close() }
}
