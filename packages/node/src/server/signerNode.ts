import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { secp256k1, secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { createPublicClient, http, type Address } from 'viem'
import { decodeSessionSigningRequest, type SessionSigningRequest, type SessionSigningRequestJson } from '@latchkey/sdk'
import { BlockPinnedReads } from '../signing/blockPinnedReads.ts'
import { checkSigningRequest } from '../signing/checkSigningRequest.ts'
import { signingPackageProblem } from '../signing/checkSigningPackage.ts'
import { KeyedLock } from '../signing/keyedLock.ts'
import { NodeBusyError, PendingNonces } from '../signing/pendingNonces.ts'
import { SignatureReservations } from '../signing/signatureReservations.ts'
import { DkgMisbehaviourError, DkgParticipant, type DkgSetup, type Round1Body, type Round2Body, type SignedDkgMessage } from '../dkg/dkgParticipant.ts'
import { exportNodeIdentity, generateNodeIdentity, importNodeIdentity, type NodeIdentity } from '../identity/nodeIdentity.ts'
import type { TestFault } from '../faults/testFault.ts'
import { AtRestCipher } from '../storage/atRestCipher.ts'
import type { NodeStore } from '../storage/nodeStore.ts'
import { PostgresNodeStore } from '../storage/postgresNodeStore.ts'
import { SqliteNodeStore } from '../storage/sqliteNodeStore.ts'
import { RequestRefusedError, authenticate, type RequestAuth } from './requestAuth.ts'

export type SignerNodeConfig = {
  /** This node's FROST identifier, 1 to 255. */
  identifier: number
  /** Where the database and the node key live. */
  dataDir: string
  host?: string | undefined
  /** 0 picks a free port. */
  port?: number | undefined
  /** The chain the node reads to check requests (grants, revocations, counters). Signing needs it. */
  rpcUrl?: string | undefined
  /** A PostgreSQL connection URL: the node keeps its store there instead of SQLite in its data directory. */
  databaseUrl?: string | undefined
  /**
   * The client credentials allowed to start a key generation on this node (the operator's list). Unset: any
   * client that signs its request may (a development network). A key's signing requests are always
   * limited to the client registered with it.
   */
  dkgClients?: readonly Address[] | undefined
  /** Tests only: makes this node misbehave in one way (see `TestFault`). */
  testFault?: TestFault | undefined
}

export type SignerNode = { url: string; identity: NodeIdentity; app: FastifyInstance; close(): Promise<void> }

const frostScalars = secp256k1.Point.Fn
/** Key generations a node holds in memory at once, and how long one may take before it is dropped. */
const MAX_PENDING_DKGS = 32
/** Nonce pairs one commit request may ask for (clients ask ahead), how many a node holds, and for how long. */
const MAX_COMMITMENTS_PER_REQUEST = 32
const MAX_PENDING_NONCES_PER_KEY = 256
const MAX_PENDING_NONCES = 16_384
const NONCE_LIFETIME_MS = 10 * 60_000
const DKG_LIFETIME_MS = 120_000
const hexIdentifier = (n: number) => n.toString(16).padStart(64, '0')

/** The request is outside what the session allows (every honest node refuses it, with this reason). */
class PolicyRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason)
  }
}

/** A key package as sealed in the store. */
type KeyPackage = { identifier: string; signingShare: string; signers: { min: number; max: number }; commitments: string[]; verifyingShares: Record<string, string> }

/** A nonce pair and its commitments, as the signing library makes them. */
type FrostNonces = ReturnType<typeof frost.commit>

/**
 * One signer node: an HTTP API (fastify, JSON logs) over its store (SQLite in its data directory, or
 * PostgreSQL given a connection URL). Its identity and every key share are
 * sealed with the node key before they reach the database. It runs key generation (DKG) and signs: each
 * signature share only after it has checked the request itself (`checkSigningRequest`) and durably marked
 * the nonce used.
 */
export async function startSignerNode(config: SignerNodeConfig): Promise<SignerNode> {
  if (!Number.isInteger(config.identifier) || config.identifier < 1 || config.identifier > 255) throw new Error('identifier: 1 to 255')
  mkdirSync(config.dataDir, { recursive: true })
  const cipher = AtRestCipher.loadOrCreate(join(config.dataDir, 'node.key'))
  const store: NodeStore = config.databaseUrl ? await PostgresNodeStore.connect(config.databaseUrl) : new SqliteNodeStore(join(config.dataDir, 'node.sqlite'))
  const sealedIdentity = await store.getSealed('identity')
  let identity: NodeIdentity
  if (sealedIdentity) identity = importNodeIdentity(JSON.parse(new TextDecoder().decode(cipher.open(sealedIdentity, 'identity'))))
  else {
    identity = generateNodeIdentity()
    await store.putSealed('identity', cipher.seal(new TextEncoder().encode(JSON.stringify(exportNodeIdentity(identity))), 'identity'))
  }
  const me = hexIdentifier(config.identifier)
  const node = identity.public.signingKey
  // Key generations in progress (in memory: a DKG interrupted by a restart is started again).
  const dkgs = new Map<string, { participant: DkgParticipant; setup: DkgSetup; client: Address; startedAt: number }>()
  const allowedDkgClients = config.dkgClients ? new Set(config.dkgClients.map((c) => c.toLowerCase())) : undefined
  const pending = new PendingNonces<FrostNonces>({ perKey: MAX_PENDING_NONCES_PER_KEY, total: MAX_PENDING_NONCES, lifetimeMs: NONCE_LIFETIME_MS })
  const chain = config.rpcUrl ? new BlockPinnedReads(createPublicClient({ transport: http(config.rpcUrl) })) : undefined
  const reservations = new SignatureReservations(store)
  // A sender's requests are checked and reserved one at a time (see checkAndReserve).
  const senderLock = new KeyedLock()

  const hexBytes = (value: string) => new Uint8Array(Buffer.from(value, 'hex'))
  const publicPackage = (p: KeyPackage) => ({ signers: p.signers, commitments: p.commitments.map(hexBytes), verifyingShares: Object.fromEntries(Object.entries(p.verifyingShares).map(([id, v]) => [id, hexBytes(v)])) })
  // Key packages opened once per process (a key never changes once stored): the store and the at-rest key
  // guard them on disk; in memory they sit beside the nonces, which are as secret.
  const opened = new Map<string, { stored: NonNullable<Awaited<ReturnType<NodeStore['getKey']>>>; unsealed: KeyPackage; public: ReturnType<typeof publicPackage> }>()
  async function keyOf(groupPublicKey: string) {
    const cached = opened.get(groupPublicKey)
    if (cached) return cached
    const key = await store.getKey(groupPublicKey)
    if (!key) return undefined
    const unsealed = JSON.parse(new TextDecoder().decode(cipher.open(key.sealedPackage, `key/${groupPublicKey}`))) as KeyPackage
    const entry = { stored: key, unsealed, public: publicPackage(unsealed) }
    opened.set(groupPublicKey, entry)
    return entry
  }

  // The node logs its own events (key generated, share released, request refused), not every request's
  // arrival and completion (two JSON lines per request, written synchronously to stdout).
  const app = Fastify({ logger: true, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 1 << 20 })
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof RequestRefusedError) {
      request.log.warn({ event: 'unauthenticated', url: request.url, reason: error.reason }, 'request refused: authentication')
      return reply.code(401).send({ error: 'unauthenticated', reason: error.reason })
    }
    if (error instanceof DkgMisbehaviourError) return reply.code(422).send({ error: 'misbehaviour', participant: error.participant, reason: error.reason })
    if (error instanceof PolicyRefusal) return reply.code(403).send({ error: 'policy', reason: error.reason })
    if (error instanceof NodeBusyError) return reply.code(503).send({ error: 'busy', reason: error.message })
    return reply.code(400).send({ error: 'bad-request', reason: error instanceof Error ? error.message : String(error) })
  })

  app.get('/identity', async () => ({ identifier: me, ...identity.public }))

  app.post('/dkg/round1', async (request) => {
    const { setup, auth } = request.body as { setup: DkgSetup; auth: RequestAuth }
    const client = await authenticate(store, node, '/dkg/round1', { setup }, auth, undefined, (signer) =>
      allowedDkgClients && !allowedDkgClients.has(signer.toLowerCase()) ? 'this client may not start a key generation on this node' : undefined,
    )
    const now = Date.now()
    for (const [id, dkg] of dkgs) if (now - dkg.startedAt > DKG_LIFETIME_MS) dkgs.delete(id)
    if (dkgs.size >= MAX_PENDING_DKGS) throw new Error(`${MAX_PENDING_DKGS} key generations are in progress: try again later`)
    if (dkgs.has(setup.dkgId)) throw new Error(`DKG ${setup.dkgId} already started`)
    const participant = new DkgParticipant(identity, me, setup, { sendBadShares: config.testFault === 'bad-dkg-share' })
    dkgs.set(setup.dkgId, { participant, setup, client, startedAt: now })
    return { message: participant.round1() }
  })

  app.post('/dkg/round2', async (request) => {
    const { dkgId, round1, auth } = request.body as { dkgId: string; round1: SignedDkgMessage<Round1Body>[]; auth: RequestAuth }
    const dkg = dkgs.get(dkgId)
    if (!dkg) throw new Error(`no DKG ${dkgId}`)
    await authenticate(store, node, '/dkg/round2', { dkgId, round1 }, auth, dkg.client)
    return { messages: dkg.participant.round2(round1) }
  })

  app.post('/dkg/round3', async (request) => {
    const { dkgId, round2, auth } = request.body as { dkgId: string; round2: SignedDkgMessage<Round2Body>[]; auth: RequestAuth }
    const dkg = dkgs.get(dkgId)
    if (!dkg) throw new Error(`no DKG ${dkgId}`)
    await authenticate(store, node, '/dkg/round3', { dkgId, round2 }, auth, dkg.client)
    dkgs.delete(dkgId)
    const { key, result } = dkg.participant.round3(round2)
    const packageJson = JSON.stringify({
      identifier: key.secret.identifier,
      signingShare: Buffer.from(key.secret.signingShare).toString('hex'),
      signers: key.public.signers,
      commitments: key.public.commitments.map((c) => Buffer.from(c).toString('hex')),
      verifyingShares: Object.fromEntries(Object.entries(key.public.verifyingShares).map(([id, v]) => [id, Buffer.from(v).toString('hex')])),
    })
    const groupPublicKey = result.body.groupPublicKey
    await store.saveKey({
      groupPublicKey,
      identifier: me,
      min: dkg.setup.min,
      max: dkg.setup.participants.length,
      sealedPackage: cipher.seal(new TextEncoder().encode(packageJson), `key/${groupPublicKey}`),
      client: dkg.client,
      createdAt: Math.floor(Date.now() / 1000),
    })
    request.log.info({ event: 'key-generated', groupPublicKey, client: dkg.client }, 'key share stored')
    return { result }
  })

  app.get('/keys/:groupPublicKey', async (request, reply) => {
    const { groupPublicKey } = request.params as { groupPublicKey: string }
    const key = await store.getKey(groupPublicKey)
    if (!key) return reply.code(404).send({ error: 'not-found' })
    const unsealed = JSON.parse(new TextDecoder().decode(cipher.open(key.sealedPackage, `key/${groupPublicKey}`))) as { verifyingShares: Record<string, string> }
    return { groupPublicKey, identifier: key.identifier, min: key.min, max: key.max, client: key.client, verifyingShare: unsealed.verifyingShares[me] }
  })

  app.get('/keys/:groupPublicKey/public', async (request, reply) => {
    const { groupPublicKey } = request.params as { groupPublicKey: string }
    const key = await keyOf(groupPublicKey)
    if (!key) return reply.code(404).send({ error: 'not-found' })
    return { signers: key.unsealed.signers, commitments: key.unsealed.commitments, verifyingShares: key.unsealed.verifyingShares }
  })

  // Round 1 of signing (or its preprocessing): `count` fresh nonce pairs for this group's key, kept in memory
  // only; their commitments go back, each under a random id.
  app.post('/sign/commit', async (request, reply) => {
    const { groupPublicKey, count: asked, auth } = request.body as { groupPublicKey: string; count?: number; auth: RequestAuth }
    const key = await keyOf(groupPublicKey)
    if (!key) return reply.code(404).send({ error: 'not-found' })
    await authenticate(store, node, '/sign/commit', asked === undefined ? { groupPublicKey } : { groupPublicKey, count: asked }, auth, key.stored.client as Address)
    const count = asked ?? 1
    if (!Number.isInteger(count) || count < 1 || count > MAX_COMMITMENTS_PER_REQUEST) throw new Error(`count: 1 to ${MAX_COMMITMENTS_PER_REQUEST}`)
    const signing = { identifier: key.unsealed.identifier, signingShare: hexBytes(key.unsealed.signingShare) }
    const nonces: { commitmentId: string; commitments: { identifier: string; hiding: string; binding: string } }[] = []
    try {
      for (let i = 0; i < count; i++) {
        const generated = frost.commit(signing)
        const commitmentId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')
        pending.add(groupPublicKey, commitmentId, generated)
        const c = generated.commitments
        const hiding = config.testFault === 'bad-commitment' ? `02${'ff'.repeat(32)}` : Buffer.from(c.hiding).toString('hex')
        nonces.push({ commitmentId, commitments: { identifier: c.identifier, hiding, binding: Buffer.from(c.binding).toString('hex') } })
      }
    } catch (error) {
      // All or none: the nonces of a refused batch are not held.
      for (const { commitmentId } of nonces) pending.delete(commitmentId)
      throw error
    }
    return { nonces }
  })

  // Round 2 of signing: the node checks the request itself, marks the nonce used (durably), then signs.
  app.post('/sign/share', async (request, reply) => {
    const body = request.body as { groupPublicKey: string; commitmentId: string; commitments: { identifier: string; hiding: string; binding: string }[]; request: SessionSigningRequestJson; auth: RequestAuth }
    const { groupPublicKey, commitmentId, commitments, auth } = body
    const key = await keyOf(groupPublicKey)
    if (!key) return reply.code(404).send({ error: 'not-found' })
    await authenticate(store, node, '/sign/share', { groupPublicKey, commitmentId, commitments, request: body.request }, auth, key.stored.client as Address)
    const nonces = pending.get(groupPublicKey, commitmentId)
    if (!nonces) {
      return reply.code(409).send({ error: 'unknown-commitment', reason: 'no such commitment (used, expired, or lost in a restart): commit again' })
    }
    const own = commitments.find((c) => c.identifier === me)
    if (!own || own.hiding !== Buffer.from(nonces.commitments.hiding).toString('hex') || own.binding !== Buffer.from(nonces.commitments.binding).toString('hex')) {
      throw new Error("the signing package does not carry this node's commitment")
    }
    const problem = signingPackageProblem(commitments, { min: key.unsealed.signers.min, max: key.unsealed.signers.max, participants: Object.keys(key.unsealed.verifyingShares) })
    if (problem) throw new Error(`the signing package is malformed: ${problem}`)
    if (!chain) throw new PolicyRefusal('this node has no chain to check requests against (start it with an RPC URL)')
    const checked = await checkAndReserve(chain, groupPublicKey, decodeSessionSigningRequest(body.request))
    if (!checked.ok) {
      request.log.warn({ event: 'refused', groupPublicKey, reason: checked.reason }, 'signing request refused')
      throw new PolicyRefusal(checked.reason)
    }
    // Used once, ever: marked durably before the share leaves, and forgotten from memory.
    pending.delete(commitmentId)
    if (!(await store.markNonceUsed(commitmentId))) throw new Error('this nonce was already used')
    if (config.testFault === 'crash-after-nonce-mark') process.kill(process.pid, 'SIGKILL')
    const share = frost.signShare(
      { identifier: key.unsealed.identifier, signingShare: hexBytes(key.unsealed.signingShare) },
      key.public,
      nonces.nonces,
      commitments.map((c) => ({ identifier: c.identifier, hiding: hexBytes(c.hiding), binding: hexBytes(c.binding) })),
      checked.message,
    )
    request.log.info({ event: 'signed', groupPublicKey, commitmentId }, 'signature share released')
    if (config.testFault === 'out-of-range-share') return { identifier: me, share: frostScalars.ORDER.toString(16).padStart(64, '0') }
    const sent = config.testFault === 'bad-signature-share' ? frostScalars.toBytes(frostScalars.add(frostScalars.fromBytes(share), 1n)) : share
    return { identifier: me, share: Buffer.from(sent).toString('hex') }
  })

  /**
   * Checks a request with the sender's open reservations counted, and reserves what it adds before its share
   * is released: under the sender's lock, so that concurrent requests see each other's amounts.
   */
  async function checkAndReserve(chain: BlockPinnedReads, groupPublicKey: string, request: SessionSigningRequest) {
    const { sender, nonce } = request.userOperation
    // Asked before the lock (one RPC question shared by concurrent requests), pinned inside it: the pinned
    // block never goes back, so each check under the lock reads at least the block the one before it read.
    const latest = await chain.latestBlock()
    return senderLock.run(sender.toLowerCase(), async () => {
      const client = chain.pinnedAt(latest)
      const open = await reservations.open(client, sender, nonce)
      const checked = await checkSigningRequest(client, groupPublicKey, request, open.reserved)
      if (checked.ok) await reservations.save(sender, nonce, checked.validUntil, checked.increments, open.sameNonce)
      return checked
    })
  }

  if (config.testFault) app.log.warn({ event: 'test-fault', fault: config.testFault }, 'this node runs with a test fault: it misbehaves on purpose')
  const address = await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 })
  app.log.info({ event: 'listening', url: address, identifier: me, signingKey: node }, 'signer node listening')
  return {
    url: address,
    identity,
    app,
    async close() {
      await app.close()
      await store.close()
    },
  }
}
