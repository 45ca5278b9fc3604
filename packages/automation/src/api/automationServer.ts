import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Address } from 'viem'
import { authenticate, RequestRefusedError, type RequestAuth } from '@latchkey/node'
import { JobStateError, type Automation } from '../automation.ts'
import { JobSpecError } from '../jobs/jobSpec.ts'
import type { StoredJob } from '../store/automationStore.ts'
import { EnvelopeError } from './sessionKeyEnvelope.ts'
import { jobDetails, jobSummary } from './jobViews.ts'

export type AutomationServerConfig = {
  host?: string | undefined
  /** 0 picks a free port. */
  port?: number | undefined
  /**
   * The client credentials allowed to use the API (the operator's list). Unset: any client that signs its
   * request may (a development runner; it says so with a WARNING line). A job is only ever seen and changed
   * by the client that added it.
   */
  clients?: readonly Address[] | undefined
  /** Where the server writes its own lines (refusals, listening); default stdout as JSON. */
  logger?: boolean | undefined
}

export type AutomationServer = { url: string; app: FastifyInstance; close(): Promise<void> }

/** A job that is not the client's (or does not exist: the two are not told apart). */
class NotFoundError extends Error {}
/** A request whose body is not what the path takes. */
class BadRequestError extends Error {}

/**
 * The runner's HTTP API: add, list, show, pause, resume and cancel jobs, each request signed by a client
 * credential for this runner (the signer node's scheme: node = the runner's key, path, payload, expiry,
 * nonce; replays refused). Session keys arrive sealed to the runner. `/metrics` is Prometheus text.
 */
export async function startAutomationServer(automation: Automation, config: AutomationServerConfig = {}): Promise<AutomationServer> {
  const allowed = config.clients ? new Set(config.clients.map((c) => c.toLowerCase())) : undefined
  const app = Fastify({ logger: config.logger ?? true, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1 << 20 })
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RequestRefusedError) {
      request.log.warn({ event: 'unauthenticated', url: request.url, reason: error.reason }, 'request refused: authentication')
      return reply.code(401).send({ error: 'unauthenticated', reason: error.reason })
    }
    if (error instanceof JobSpecError) return reply.code(400).send({ error: 'invalid-spec', field: error.field, reason: error.problem })
    if (error instanceof EnvelopeError) return reply.code(400).send({ error: 'invalid-sealed-key', reason: error.message })
    if (error instanceof NotFoundError) return reply.code(404).send({ error: 'not-found', reason: error.message })
    if (error instanceof JobStateError) return reply.code(409).send({ error: 'job-state', reason: error.message })
    if (error instanceof BadRequestError) return reply.code(400).send({ error: 'bad-request', reason: error.message })
    // Fastify's own refusals (a body too large, not JSON) keep their status and words.
    const status = (error as { statusCode?: number }).statusCode
    if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: 'bad-request', reason: (error as Error).message })
    // Anything else is the runner's fault: logged here, not told (it may be a database's words).
    request.log.error({ event: 'internal-error', url: request.url, error: String(error) }, 'request failed')
    return reply.code(500).send({ error: 'internal', reason: 'the runner failed to answer; its log says why' })
  })

  /** The signed body's client, checked (with --clients, one of them, before its nonce is stored). */
  async function clientOf(request: FastifyRequest): Promise<{ client: Address; body: Record<string, unknown> }> {
    const { auth, ...payload } = (request.body ?? {}) as { auth?: RequestAuth } & Record<string, unknown>
    const refuse = (c: Address) => (allowed && !allowed.has(c.toLowerCase()) ? 'this client may not use this runner' : undefined)
    const client = await authenticate(automation.store, automation.runnerKey, request.url, payload, auth, undefined, refuse)
    return { client, body: payload }
  }

  async function ownJob(client: Address, id: unknown): Promise<StoredJob> {
    if (typeof id !== 'string') throw new BadRequestError('id: a job id (string)')
    const job = await automation.store.getJob(id)
    if (!job || job.owner?.toLowerCase() !== client.toLowerCase()) throw new NotFoundError(`no job ${id} of this client`)
    return job
  }

  app.get('/identity', async () => ({ runnerKey: automation.runnerKey, chainId: automation.chainId }))
  app.get('/metrics', async (_request, reply) => reply.type(automation.metrics.contentType).send(await automation.metrics.text()))

  app.post('/jobs/add', async (request, reply) => {
    const { client, body } = await clientOf(request)
    if (body.id !== undefined && typeof body.id !== 'string') throw new BadRequestError('id: a job id (string)')
    const id = body.id as string | undefined
    // Its 'added' event (the history's, logged like every other) says the rest.
    return reply.code(201).send({ id: await automation.addSealedJob(body.spec, body.sealedKey, client, id) })
  })

  app.post('/jobs/list', async (request) => {
    const { client } = await clientOf(request)
    const jobs = (await automation.listJobs()).filter((j) => j.owner?.toLowerCase() === client.toLowerCase())
    return { jobs: jobs.map(jobSummary) }
  })

  app.post('/jobs/show', async (request) => {
    const { client, body } = await clientOf(request)
    const job = await ownJob(client, body.id)
    return jobDetails((await automation.getJob(job.id))!)
  })

  for (const change of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/jobs/${change}`, async (request) => {
      const { client, body } = await clientOf(request)
      const job = await ownJob(client, body.id)
      if (change === 'pause') await automation.pause(job.id, typeof body.reason === 'string' ? `paused by its owner: ${body.reason}` : undefined)
      else await automation[change](job.id)
      return jobSummary((await automation.store.getJob(job.id))!)
    })
  }

  if (!allowed) app.log.warn({ event: 'open-runner' }, 'WARNING: no --clients list: any client that signs its request may add jobs on this runner')
  const url = await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 })
  app.log.info({ event: 'listening', url, runnerKey: automation.runnerKey }, 'automation API listening')
  return { url, app, close: () => app.close() }
}
