import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Address } from 'viem'
import { DkgMisbehaviourError, DkgParticipant, type DkgSetup, type Round1Body, type Round2Body, type SignedDkgMessage } from '../dkg/dkgParticipant.ts'
import { exportNodeIdentity, generateNodeIdentity, importNodeIdentity, type NodeIdentity } from '../identity/nodeIdentity.ts'
import { AtRestCipher } from '../storage/atRestCipher.ts'
import type { NodeStore } from '../storage/nodeStore.ts'
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
}

export type SignerNode = { url: string; identity: NodeIdentity; app: FastifyInstance; close(): Promise<void> }

const hexIdentifier = (n: number) => n.toString(16).padStart(64, '0')

/**
 * One signer node: an HTTP API (fastify, JSON logs) over its store. Its identity and every key share are
 * sealed with the node key before they reach the database. This part runs key generation (DKG); signing
 * comes with the policy checks.
 */
export async function startSignerNode(config: SignerNodeConfig): Promise<SignerNode> {
  if (!Number.isInteger(config.identifier) || config.identifier < 1 || config.identifier > 255) throw new Error('identifier: 1 to 255')
  mkdirSync(config.dataDir, { recursive: true })
  const cipher = AtRestCipher.loadOrCreate(join(config.dataDir, 'node.key'))
  const store: NodeStore = new SqliteNodeStore(join(config.dataDir, 'node.sqlite'))
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
  const dkgs = new Map<string, { participant: DkgParticipant; setup: DkgSetup; client: Address }>()

  const app = Fastify({ logger: true, bodyLimit: 1 << 20 })
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof RequestRefusedError) return reply.code(401).send({ error: 'unauthenticated', reason: error.reason })
    if (error instanceof DkgMisbehaviourError) return reply.code(422).send({ error: 'misbehaviour', participant: error.participant, reason: error.reason })
    return reply.code(400).send({ error: 'bad-request', reason: error instanceof Error ? error.message : String(error) })
  })

  app.get('/identity', async () => ({ identifier: me, ...identity.public }))

  app.post('/dkg/round1', async (request) => {
    const { setup, auth } = request.body as { setup: DkgSetup; auth: RequestAuth }
    const client = await authenticate(store, node, '/dkg/round1', { setup }, auth)
    if (dkgs.has(setup.dkgId)) throw new Error(`DKG ${setup.dkgId} already started`)
    const participant = new DkgParticipant(identity, me, setup)
    dkgs.set(setup.dkgId, { participant, setup, client })
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
