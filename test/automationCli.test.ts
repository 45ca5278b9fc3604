/**
 * Issue 17, the runner as a user drives it: `latchkey automation start` (its own process: workers, API,
 * /metrics, JSON logs) and `latchkey jobs add | list | show | pause | resume | cancel`, each its own process
 * signing with a client credential read from an environment variable. A subscription added from a spec file
 * and a grant file lands through the devnet's Alto; bad input is one line and exit 2, nothing added.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { serializeSessionGrant } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { subscriptionJob, tempDir } from './fixtures/automationJobs.ts'
import { assertOneLineRefusal, bin, latchkey, SOURCE_CONDITION } from './fixtures/latchkeyCli.ts'
import { balanceOf } from './fixtures/policySessions.ts'

const clientKey = generatePrivateKey()
const env = { LK_CLIENT: clientKey }
let devnet: DevnetFixture
let runner: { child: ChildProcess; url: string; runnerKey: string; lines: Record<string, unknown>[] }

/** `latchkey automation start` until its "started" line, which names the API's URL; every JSON line kept. */
async function startRunner(dataDir: string): Promise<typeof runner> {
  const args = ['automation', 'start', '--data-dir', dataDir, '--rpc-url', devnet.rpcUrl, '--bundler-url', devnet.bundlerUrl, '--port', '0', '--poll-ms', '200', '--clients', privateKeyToAccount(clientKey).address]
  const child = spawn(process.execPath, [SOURCE_CONDITION, bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines: Record<string, unknown>[] = []
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the runner did not start within 60 s')), 60_000)
    child.once('exit', (code) => reject(new Error(`the runner exited (${code})`)))
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>
      lines.push(line)
      if (line.event === 'started') {
        clearTimeout(timer)
        resolve(line)
      }
    })
  })
  return { child, url: String(started.url), runnerKey: String(started.runnerKey), lines }
}

before(async () => {
  devnet = await useDevnet()
  runner = await startRunner(tempDir('latchkey-automation-cli-'))
})
after(async () => {
  if (runner && runner.child.exitCode === null) {
    const exited = new Promise((resolve) => runner.child.once('exit', resolve))
    runner.child.kill('SIGTERM')
    await exited
  }
})

/** `latchkey jobs …` against the runner, its key pinned (`pinned` false: trusted on first use). */
const jobs = (args: string[], pinned = true) => latchkey(['jobs', ...args, '--url', runner.url, '--client-key-env', 'LK_CLIENT', ...(pinned ? ['--runner-key', runner.runnerKey] : [])], { env })

describe('latchkey automation start and latchkey jobs', () => {
  it('jobs add from a spec file and a grant file; the run lands; list, show, pause, resume, cancel', async () => {
    const { key, payee, token, grant, spec } = await subscriptionJob(devnet, { total: 50n, amount: 5n, everySeconds: 3600, maxRuns: 1 })
    const dir = tempDir('latchkey-jobs-cli-')
    const { grant: _inline, ...specWithoutGrant } = spec
    writeFileSync(join(dir, 'job.json'), JSON.stringify(specWithoutGrant))
    writeFileSync(join(dir, 'grant.json'), serializeSessionGrant(grant, { privateKey: key }), { mode: 0o600 })

    const added = await jobs(['add', '--spec', join(dir, 'job.json'), '--grant', join(dir, 'grant.json'), '--id', 'pay-5', '--json'])
    assert.equal(added.code, 0, added.stderr)
    assert.deepEqual(JSON.parse(added.stdout), { id: 'pay-5' })

    const deadline = Date.now() + 60_000
    let shown: { status: string; runs: { state: string; gasUsed: string | null }[]; history: { event: string }[] } | undefined
    while (Date.now() < deadline) {
      const run = await jobs(['show', 'pay-5', '--json'])
      assert.equal(run.code, 0, run.stderr)
      shown = JSON.parse(run.stdout)
      if (shown!.status === 'done') break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    assert.equal(shown!.status, 'done')
    assert.equal(shown!.runs[0]!.state, 'landed')
    assert.equal(await balanceOf(devnet, token, payee), 5n)
    const text = await jobs(['show', 'pay-5'])
    assert.match(text.stdout, /^pay-5 {2}done +schedule recurring-payment every 3600 s/)
    assert.match(text.stdout, /run 0: landed op 0x[0-9a-f]{64}, \d+ gas/)
    // The runner's stdout: one JSON line per job event.
    assert.deepEqual(runner.lines.filter((l) => l.jobId === 'pay-5').map((l) => l.event).slice(0, 4), ['added', 'signed', 'sent', 'landed'])
    assert.match(await (await fetch(`${runner.url}/metrics`)).text(), /latchkey_automation_runs_total\{result="landed"\} 1\n/)

    writeFileSync(join(dir, 'job2.json'), JSON.stringify({ ...specWithoutGrant, everySeconds: 86_400, startAt: Math.floor(Date.now() / 1000) + 86_400 }))
    // Without --runner-key the key is sealed to whatever the URL answers with: said on stderr.
    const unpinned = await jobs(['add', '--spec', join(dir, 'job2.json'), '--grant', join(dir, 'grant.json'), '--id', 'later'], false)
    assert.equal(unpinned.code, 0, unpinned.stderr)
    assert.match(unpinned.stderr, /^WARNING: no --runner-key/)
    const listed = await jobs(['list'])
    assert.match(listed.stdout, /^pay-5 +done/m)
    assert.match(listed.stdout, /^later +active/m)
    assert.match((await jobs(['pause', 'later', '--reason', 'holiday'])).stdout, /^later +paused .*\(paused by its owner: holiday\)/)
    assert.match((await jobs(['resume', 'later'])).stdout, /^later +active/)
    assert.match((await jobs(['cancel', 'later'])).stdout, /^later +cancelled/)
    assertOneLineRefusal(await jobs(['resume', 'later']), /job-state.*cancelled/)
  })

  it('bad input: one line, exit 2, nothing added', async () => {
    const { key, grant, spec } = await subscriptionJob(devnet, { total: 50n, amount: 5n, everySeconds: 60 })
    const dir = tempDir('latchkey-jobs-cli-')
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...spec, everySeconds: 0 }))
    writeFileSync(join(dir, 'nokey.json'), serializeSessionGrant(grant))
    writeFileSync(join(dir, 'job.json'), JSON.stringify(spec))
    const before = (await jobs(['list', '--json'])).stdout

    const badSpec = await jobs(['add', '--spec', join(dir, 'bad.json'), '--session-key-env', 'LK_SESSION'])
    assertOneLineRefusal({ ...badSpec }, /LK_SESSION/)
    const refused = await latchkey(['jobs', 'add', '--spec', join(dir, 'bad.json'), '--url', runner.url, '--client-key-env', 'LK_CLIENT', '--runner-key', runner.runnerKey, '--session-key-env', 'LK_SESSION'], { env: { ...env, LK_SESSION: key } })
    assertOneLineRefusal(refused, /invalid-spec \(everySeconds\)/)
    assert.equal(refused.code, 2)
    assertOneLineRefusal(await jobs(['add', '--spec', join(dir, 'job.json'), '--grant', join(dir, 'nokey.json')]), /holds no session key/)
    writeFileSync(join(dir, 'network.json'), JSON.stringify({ ...spec, signer: { type: 'signer-network' } }))
    assertOneLineRefusal(await jobs(['add', '--spec', join(dir, 'network.json')]), /give --signer-client-key-env/)
    assertOneLineRefusal(await latchkey(['jobs', 'list', '--url', runner.url, '--client-key-env', 'LK_UNSET']), /LK_UNSET .* is not set/)
    assertOneLineRefusal(await jobs(['show', 'nobody']), /not-found/)
    assertOneLineRefusal(await jobs(['list', '--runner-key', '0x12'], false), /--runner-key: 32 bytes/)
    assert.equal((await jobs(['list', '--json'])).stdout, before)
  })
})
