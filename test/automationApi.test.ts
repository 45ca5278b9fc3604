/**
 * Issue 17, the runner's HTTP API and its client, against the devnet's anvil and Alto: a job added through
 * the API with its session key sealed to the runner, run to landing, shown with its runs and history,
 * paused, resumed and cancelled; and every request the API must refuse, built by hand (no signature, a
 * replay, a changed payload, a request for another runner, a client not on the list, another client's
 * job, a sealed key for another client). Also the runner's /metrics and its JSON log lines.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { parseSessionGrant, serializeSessionGrant, signNodeRequest, type SessionGrant } from '@latchkey/sdk'
import { AutomationApiError, createAutomationClient, sealSessionKey, startAutomationServer, type Automation, type AutomationServer } from '@latchkey/automation'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { passUntil, runnerFor, subscriptionJob } from './fixtures/automationJobs.ts'
import { balanceOf } from './fixtures/policySessions.ts'

const alice = privateKeyToAccount(generatePrivateKey())
const carol = privateKeyToAccount(generatePrivateKey())
const mallory = privateKeyToAccount(generatePrivateKey())

let devnet: DevnetFixture
let automation: Automation
let server: AutomationServer
const logLines: Record<string, unknown>[] = []

before(async () => {
  devnet = await useDevnet()
  automation = await runnerFor(devnet, { log: (line) => logLines.push(line) })
  server = await startAutomationServer(automation, { clients: [alice.address, carol.address], logger: false })
})
after(async () => {
  await server?.close()
  await automation?.close()
})

/** A POST to the API with `payload` and `auth` as given (signed or not), answered with status and JSON. */
async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

async function refusedWith(promise: Promise<unknown>, status: number, error: string, reason?: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof AutomationApiError, String(e))
    assert.equal(e.status, status, e.message)
    assert.equal(e.error, error, e.message)
    if (reason) assert.match(e.reason, reason)
    return true
  })
}

describe('automation API: a job through the client', () => {
  it('added with its key sealed, run until it lands, shown with runs and history; paused, resumed, cancelled; never another client’s', async () => {
    const { key, payee, token, spec } = await subscriptionJob(devnet, { total: 100n, amount: 9n, everySeconds: 60, maxRuns: 1 })
    const client = createAutomationClient({ url: server.url, credential: alice })
    const id = await client.addJob(spec, key)
    assert.deepEqual((await client.listJobs()).map((j) => [j.id, j.status, j.action]), [[id, 'active', 'recurring-payment']])

    await passUntil(automation, async () => (await client.getJob(id)).runs.some((r) => r.state === 'landed'))
    assert.equal(await balanceOf(devnet, token, payee), 9n)
    const shown = await client.getJob(id)
    assert.equal(shown.status, 'done')
    assert.ok(shown.runs[0]!.userOpHash && shown.runs[0]!.txHash && Number(shown.runs[0]!.gasUsed) > 0)
    assert.deepEqual(shown.history.map((h) => h.event).slice(0, 4), ['added', 'signed', 'sent', 'landed'])
    assert.ok(!JSON.stringify(shown).includes(key.slice(2)), 'the session key is never in an answer')

    // Another client on the list sees none of it, and cannot change it (not found, not forbidden: it learns nothing).
    const other = createAutomationClient({ url: server.url, credential: carol })
    assert.deepEqual(await other.listJobs(), [])
    await refusedWith(other.getJob(id), 404, 'not-found')
    await refusedWith(other.cancel(id), 404, 'not-found')

    const second = await client.addJob({ ...subscriptionSpecAgain(spec), everySeconds: 3600 }, key)
    assert.equal((await client.pause(second, 'holiday')).status, 'paused')
    assert.equal((await client.getJob(second)).reason, 'paused by its owner: holiday')
    assert.equal((await client.resume(second)).status, 'active')
    assert.equal((await client.cancel(second)).status, 'cancelled')
    await refusedWith(client.resume(second), 409, 'job-state', /cancelled/)
    await refusedWith(client.pause('no-such-job'), 404, 'not-found')
  })

  it('a malformed spec is refused with its field, and nothing is stored', async () => {
    const { key, spec } = await subscriptionJob(devnet, { total: 100n, amount: 1n, everySeconds: 60 })
    const client = createAutomationClient({ url: server.url, credential: alice })
    const before = (await client.listJobs()).length
    await assert.rejects(client.addJob({ ...spec, everySeconds: -1 }, key), (e: unknown) => e instanceof AutomationApiError && e.error === 'invalid-spec' && e.field === 'everySeconds')
    await assert.rejects(client.addJob({ ...spec, action: { type: 'recurring-payment', token: spec.action.token, to: 'nobody', amount: '1' } }, key), (e: unknown) => e instanceof AutomationApiError && e.field === 'action.to')
    await assert.rejects(client.addJob(spec, generatePrivateKey()), (e: unknown) => e instanceof AutomationApiError && e.field === 'sessionKey')
    assert.equal((await client.listJobs()).length, before)
  })
})

/** The grant of a spec (as JSON in it). */
const grant = (spec: { grant: unknown }): SessionGrant => parseSessionGrant(JSON.stringify(spec.grant)).grant

/** The same spec (a second job on one session, for the pause/resume/cancel steps). */
function subscriptionSpecAgain<T extends object>(spec: T): T {
  return structuredClone(spec)
}

describe('automation API: requests it refuses (built by hand)', () => {
  it('no signature, a replay, a changed payload, a request signed for another runner, an unknown client adding a job', async () => {
    const payload = {}
    assert.equal((await post('/jobs/list', payload)).status, 401)
    const auth = await signNodeRequest(alice, automation.runnerKey, '/jobs/list', payload)
    assert.equal((await post('/jobs/list', { ...payload, auth })).status, 200)
    const replay = await post('/jobs/list', { ...payload, auth })
    assert.deepEqual([replay.status, replay.json.reason], [401, 'the request was replayed'])

    const signed = await signNodeRequest(alice, automation.runnerKey, '/jobs/show', { id: 'a' })
    const changed = await post('/jobs/show', { id: 'b', auth: signed })
    assert.deepEqual([changed.status, changed.json.reason], [401, 'the signature is not the client’s'])

    const elsewhere = await signNodeRequest(alice, `0x${'11'.repeat(32)}`, '/jobs/list', payload)
    const forOther = await post('/jobs/list', { auth: elsewhere })
    assert.deepEqual([forOther.status, forOther.json.reason], [401, 'the request is for another node'])

    const { key, spec } = await subscriptionJob(devnet, { total: 10n, amount: 1n, everySeconds: 60 })
    const unlisted = createAutomationClient({ url: server.url, credential: mallory })
    await refusedWith(unlisted.addJob(spec, key), 401, 'unauthenticated', /may not use this runner/)
    await refusedWith(unlisted.listJobs(), 401, 'unauthenticated', /may not use this runner/)

    const longNonce = { ...(await signNodeRequest(alice, automation.runnerKey, '/jobs/list', payload)), nonce: 'n'.repeat(129) }
    const tooLong = await post('/jobs/list', { auth: longNonce })
    assert.deepEqual([tooLong.status, tooLong.json.reason], [401, 'no request nonce (16 to 128 characters)'])
    const badId = await post('/jobs/show', { id: { a: 1 }, auth: await signNodeRequest(alice, automation.runnerKey, '/jobs/show', { id: { a: 1 } }) })
    assert.deepEqual([badId.status, badId.json.error], [400, 'bad-request'])
  })

  it('a client told the runner key seals to it only: a runner answering with another key gets nothing', async () => {
    const { key, spec } = await subscriptionJob(devnet, { total: 10n, amount: 1n, everySeconds: 60 })
    const before = (await automation.listJobs()).length
    const pinnedWrong = createAutomationClient({ url: server.url, credential: alice, runnerKey: `0x${'33'.repeat(32)}` })
    await refusedWith(pinnedWrong.addJob(spec, key), 0, 'wrong-runner')
    assert.equal((await automation.listJobs()).length, before)
    const pinnedRight = createAutomationClient({ url: server.url, credential: alice, runnerKey: automation.runnerKey })
    assert.match(await pinnedRight.addJob({ ...spec, grant: serializeSessionGrant(grant(spec), { privateKey: key }) }, key), /^[0-9a-f]{16}$/)
  })

  it('a spec carrying a key is refused, and the client never sends one; a malformed job id is refused', async () => {
    const { key, spec } = await subscriptionJob(devnet, { total: 10n, amount: 1n, everySeconds: 60 })
    const withKey = { spec: { ...spec, grant: { ...spec.grant, privateKey: key } }, sealedKey: await sealSessionKey(key, { runnerKey: automation.runnerKey, client: alice.address, session: spec.grant.digest }) }
    const refused = await post('/jobs/add', { ...withKey, auth: await signNodeRequest(alice, automation.runnerKey, '/jobs/add', withKey) })
    assert.deepEqual([refused.status, refused.json.field], [400, 'grant.privateKey'])
    const client = createAutomationClient({ url: server.url, credential: alice })
    await assert.rejects(client.addJob(spec, key, 'has space'), (e: unknown) => e instanceof AutomationApiError && e.field === 'id')
    // A grant that is not JSON is the client's typed refusal, before anything is sent.
    await assert.rejects(client.addJob({ ...spec, grant: '{not json' }, key), (e: unknown) => e instanceof AutomationApiError && e.error === 'invalid-spec' && e.field === 'grant')
  })

  it('a sealed session key taken from another client’s request, or sealed for another session, does not open', async () => {
    const { key, spec } = await subscriptionJob(devnet, { total: 10n, amount: 1n, everySeconds: 60 })
    const sealedForAlice = await sealSessionKey(key, { runnerKey: automation.runnerKey, client: alice.address, session: spec.grant.digest })
    // Carol (on the list) replays Alice's sealed key under her own credential.
    const asCarol = { spec, sealedKey: sealedForAlice }
    const stolen = await post('/jobs/add', { ...asCarol, auth: await signNodeRequest(carol, automation.runnerKey, '/jobs/add', asCarol) })
    assert.deepEqual([stolen.status, stolen.json.error], [400, 'invalid-sealed-key'])
    // Sealed for another session's digest.
    const otherSession = await sealSessionKey(key, { runnerKey: automation.runnerKey, client: alice.address, session: `0x${'22'.repeat(32)}` })
    const wrongSession = { spec, sealedKey: otherSession }
    const refused = await post('/jobs/add', { ...wrongSession, auth: await signNodeRequest(alice, automation.runnerKey, '/jobs/add', wrongSession) })
    assert.deepEqual([refused.status, refused.json.error], [400, 'invalid-sealed-key'])
    // A key in the clear is not a sealed key.
    const clear = { spec, sealedKey: key }
    const plain = await post('/jobs/add', { ...clear, auth: await signNodeRequest(alice, automation.runnerKey, '/jobs/add', clear) })
    assert.deepEqual([plain.status, plain.json.error], [400, 'invalid-sealed-key'])
    assert.equal((await automation.listJobs()).filter((j) => j.owner?.toLowerCase() === carol.address.toLowerCase()).length, 0)
  })
})

describe('automation observability', () => {
  it('/metrics counts events, landed runs, gas and jobs by status; every history event is a JSON log line', async () => {
    const text = await createAutomationClient({ url: server.url, credential: alice }).metrics()
    assert.match(text, /latchkey_automation_runs_total\{result="landed"\} 1\n/)
    assert.match(text, /latchkey_automation_events_total\{event="sent"\} 1\n/)
    assert.match(text, /latchkey_automation_jobs\{status="cancelled"\} 1\n/)
    const gas = Number(/latchkey_automation_gas_used_total (\d+)/.exec(text)?.[1])
    assert.ok(gas > 50_000, `gas ${gas}`)
    assert.match(text, /latchkey_automation_pass_seconds_count [1-9]/)

    const job = (await automation.listJobs()).find((j) => j.status === 'done')!
    const history = await automation.store.history(job.id)
    const logged = logLines.filter((l) => l.jobId === job.id)
    assert.deepEqual(logged.map((l) => l.event), history.map((h) => h.event))
    for (const line of logged) assert.ok(typeof line.time === 'string' && typeof line.detail === 'string' && typeof line.worker === 'string')
  })
})
