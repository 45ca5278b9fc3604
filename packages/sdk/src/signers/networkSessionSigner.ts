import { secp256k1, secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { hashMessage, hexToBytes, type Hex, type LocalAccount } from 'viem'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { callSignerNode } from './callSignerNode.ts'
import { canonicalJson } from './canonicalJson.ts'
import { frostOnChainSignature } from './frostOnChain.ts'
import { frostSessionSigner } from './frostSessionSigner.ts'
import type { SignerNodeInfo } from './generateDistributedKey.ts'
import { signNodeRequest } from './nodeRequest.ts'
import { encodeSessionSigningRequest, type SessionSigningRequest } from './sessionSigningRequest.ts'
import type { SessionSigner } from './sessionSigner.ts'
import { SignerNetworkError, SignerNetworkRefusedError } from './signerNetworkErrors.ts'

/**
 * A node left out of a signature: it did not answer (`unreachable`: down, timed out, or an error), or it
 * sent a signature share that does not verify against its verifying share (`bad-share`: a faulty or
 * dishonest node, named by its identifier).
 */
export type SignerNodeFailure = { node: SignerNodeInfo; kind: 'unreachable' | 'bad-share'; reason: string }

export type NetworkSessionSignerParameters = {
  /** The group public key (33-byte compressed), from `generateDistributedKey`. */
  groupPublicKey: Hex
  /** The nodes holding its shares, from `generateDistributedKey`. */
  nodes: readonly SignerNodeInfo[]
  threshold: number
  /** The client credential registered with the key: it signs every request to the nodes. */
  client: LocalAccount
  /** Told of every node left out of a signature, and why (for monitoring; signing goes on without it). */
  onNodeFailure?: ((failure: SignerNodeFailure) => void) | undefined
}

type Commitment = { identifier: string; hiding: string; binding: string }
type Pooled = { commitmentId: string; commitments: Commitment; until: number }
/** Commitments asked of a node at a time, and how long the SDK uses one (the nodes keep them 10 minutes). */
const POOL_SIZE = 16
const POOL_LIFETIME_MS = 5 * 60_000
type PublicPackage = { signers: { min: number; max: number }; commitments: Uint8Array[]; verifyingShares: Record<string, Uint8Array> }
const bytes = (hex: string) => hexToBytes(`0x${hex}`)
/** How long a node that failed is asked after the others. */
const DEMOTION_MS = 60_000

/** The package's first commitment is the group key, and each verifying share is the commitment polynomial at its identifier. */
function checkPublicPackage(groupKey: string, commitments: readonly string[], verifyingShares: Record<string, string>) {
  const { Point } = secp256k1
  const n = Point.Fn.ORDER
  const points = commitments.map((c) => Point.fromHex(c))
  if (points.length === 0 || !points[0]!.equals(Point.fromHex(groupKey))) throw new LatchkeyError('The nodes’ public data is not for this group key.')
  for (const [id, share] of Object.entries(verifyingShares)) {
    const x = BigInt(`0x${id}`) % n
    let expected = Point.ZERO
    let power = 1n
    for (const point of points) {
      expected = expected.add(point.multiplyUnsafe(power))
      power = (power * x) % n
    }
    if (!expected.equals(Point.fromHex(share))) throw new LatchkeyError(`The nodes’ public data gives node ${id} a verifying share that its commitment does not.`)
  }
}

/**
 * The session signer of a group key held by signer nodes. For each signature it picks `threshold` reachable
 * nodes and takes one nonce commitment of each (asked for ahead, 16 at a time, so that a signature is one
 * round trip), and sends each the signing package with the whole request (every
 * node rebuilds the hash and checks the sessions and their policies itself). It aggregates the shares and
 * verifies the signature before it is used; when the signature does not verify, it checks each share to
 * name the node that sent a bad one (RFC 9591 §5.3). A node that is down, slow or sends a bad share is left
 * out and the round is run again with another, and for the next minute it is asked only after the others.
 * A request the nodes refuse throws their reason.
 */
export function networkSessionSigner(parameters: NetworkSessionSignerParameters): SessionSigner {
  const { nodes, threshold, client } = parameters
  const groupKey = parameters.groupPublicKey.slice(2)
  let publicPackage: Promise<PublicPackage> | undefined
  // Nodes that failed (down, slow, a bad share), until when they are asked last.
  const demoted = new Map<string, number>()
  // Commitments each node made ahead of time (FROST's preprocessing), so that a signature needs one round.
  const pools = new Map<string, { taken: Pooled[]; refilling?: Promise<void> | undefined }>()

  function refill(node: SignerNodeInfo): Promise<void> {
    const pool = pools.get(node.identifier) ?? { taken: [] }
    pools.set(node.identifier, pool)
    pool.refilling ??= post<{ nonces: { commitmentId: string; commitments: Commitment }[] }>(node, '/sign/commit', { groupPublicKey: groupKey, count: POOL_SIZE })
      .then(({ nonces }) => {
        if (nonces.some((n) => n.commitments.identifier !== node.identifier)) throw new SignerNetworkError(node.url, 'it committed under another identifier')
        pool.taken.push(...nonces.map((n) => ({ ...n, until: Date.now() + POOL_LIFETIME_MS })))
      })
      .finally(() => {
        pool.refilling = undefined
      })
    return pool.refilling
  }

  /** One of the node's commitments, made ahead (asked for when none is left); the pool is topped up behind. */
  async function commitmentOf(node: SignerNodeInfo): Promise<Pooled> {
    const pool = pools.get(node.identifier)
    const now = Date.now()
    if (pool) pool.taken = pool.taken.filter((p) => p.until > now)
    if (!pool || pool.taken.length === 0) await refill(node)
    const taken = pools.get(node.identifier)!.taken.shift()
    if (!taken) throw new SignerNetworkError(node.url, 'it gave no commitments')
    if (pools.get(node.identifier)!.taken.length < POOL_SIZE / 4) refill(node).catch(() => undefined)
    return taken
  }
  const post = async <T>(node: SignerNodeInfo, path: string, payload: Record<string, unknown>) =>
    callSignerNode<T>(`${node.url}${path}`, { body: { ...payload, auth: await signNodeRequest(client, node.signingKey, path, payload) } })

  // The group's public package (its VSS commitment and every node's verifying share), asked of every node:
  // the answers must agree, start with the group key, and give each verifying share as the commitment's
  // value at that node's identifier, so a node cannot skew which shares verify.
  async function groupPublic() {
    publicPackage ??= (async () => {
      const answers = await Promise.allSettled(
        nodes.map((node) => callSignerNode<{ signers: { min: number; max: number }; commitments: string[]; verifyingShares: Record<string, string> }>(`${node.url}/keys/${groupKey}/public`)),
      )
      const received = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []))
      if (received.length < threshold) throw new LatchkeyError(`Only ${received.length} signer nodes answered with the group key’s public data; ${threshold} are needed.`)
      const agreed = canonicalJson(received[0]!)
      if (received.some((r) => canonicalJson(r) !== agreed)) throw new LatchkeyError('The signer nodes disagree on the group key’s public data: one of them is faulty.')
      const raw = received[0]!
      checkPublicPackage(groupKey, raw.commitments, raw.verifyingShares)
      return { signers: raw.signers, commitments: raw.commitments.map(bytes), verifyingShares: Object.fromEntries(Object.entries(raw.verifyingShares).map(([id, v]) => [id, bytes(v)])) }
    })().catch((error: unknown) => {
      publicPackage = undefined
      throw error
    })
    return publicPackage
  }

  async function sign(request: SessionSigningRequest, message: Uint8Array): Promise<Uint8Array> {
    const pub = await groupPublic()
    const excluded = new Set<string>()
    const failures: string[] = []
    let misbehaving: string | undefined
    let staleRetries = nodes.length
    const leaveOut = (node: SignerNodeInfo, kind: SignerNodeFailure['kind'], reason: string) => {
      excluded.add(node.identifier)
      demoted.set(node.identifier, Date.now() + DEMOTION_MS)
      if (kind === 'bad-share') misbehaving ??= node.identifier
      failures.push(kind === 'bad-share' ? `node ${node.identifier} (${node.url}): ${reason}` : reason)
      parameters.onNodeFailure?.({ node, kind, reason })
    }
    const wire = encodeSessionSigningRequest(request)
    for (let attempt = 0; attempt <= nodes.length - threshold; attempt++) {
      // A commitment of each of `threshold` nodes, from their pools (asked for at once when a pool is
      // empty); a node that fails is replaced by the next.
      const chosen: { node: SignerNodeInfo; commitmentId: string; commitments: Commitment }[] = []
      // Nodes that failed lately are asked last.
      const now = Date.now()
      const recent = (node: SignerNodeInfo) => (demoted.get(node.identifier) ?? 0) > now
      const waiting = nodes.filter((node) => !excluded.has(node.identifier)).sort((a, b) => Number(recent(a)) - Number(recent(b)))
      while (chosen.length < threshold && waiting.length > 0) {
        const asked = waiting.splice(0, threshold - chosen.length)
        const answers = await Promise.allSettled(asked.map((node) => commitmentOf(node)))
        answers.forEach((answer, i) => {
          if (answer.status === 'fulfilled') chosen.push({ node: asked[i]!, ...answer.value })
          else leaveOut(asked[i]!, 'unreachable', String((answer.reason as Error).message))
        })
      }
      if (chosen.length < threshold) break
      const commitments = chosen.map((c) => c.commitments)
      const list = commitments.map((c) => ({ identifier: c.identifier, hiding: bytes(c.hiding), binding: bytes(c.binding) }))
      // The signing round: every chosen node checks the request and signs its share.
      const answers = await Promise.allSettled(
        chosen.map(({ node, commitmentId }) => post<{ identifier: string; share: string }>(node, '/sign/share', { groupPublicKey: groupKey, commitmentId, commitments, request: wire })),
      )
      const shares: Record<string, Uint8Array> = {}
      let stale = false
      for (const [i, answer] of answers.entries()) {
        const node = chosen[i]!.node
        if (answer.status === 'rejected') {
          if (answer.reason instanceof SignerNetworkRefusedError) throw answer.reason
          if (answer.reason instanceof SignerNetworkError && answer.reason.code === 'unknown-commitment' && staleRetries > 0) {
            // The node no longer holds the nonces it committed to (restarted, or they expired): its pool
            // is dropped and the round runs again, the node included, with fresh commitments.
            staleRetries--
            pools.delete(node.identifier)
            stale = true
            continue
          }
          leaveOut(node, 'unreachable', String((answer.reason as Error).message))
        } else if (answer.value.identifier !== node.identifier || !/^[0-9a-f]{64}$/.test(answer.value.share)) {
          leaveOut(node, 'bad-share', 'its answer is not a signature share under its identifier')
        } else shares[node.identifier] = bytes(answer.value.share)
      }
      if (stale) attempt--
      if (Object.keys(shares).length < threshold) continue
      // Aggregation verifies the signature; only when it fails are the shares checked one by one.
      try {
        const signature = frost.aggregate(pub, list, message, shares)
        for (const { node } of chosen) demoted.delete(node.identifier)
        return signature
      } catch (error) {
        const cheaters = (error as { cheaters?: string[] }).cheaters ?? []
        if (cheaters.length === 0) throw new LatchkeyError(`The signature shares could not be aggregated: ${(error as Error).message}`)
        for (const id of cheaters) leaveOut(chosen.find((c) => c.node.identifier === id)!.node, 'bad-share', 'sent a signature share that does not verify against its verifying share')
      }
    }
    throw new SignerNetworkError(nodes.map((n) => n.url).join(', '), `fewer than ${threshold} nodes could sign: ${failures.join('; ')}`, misbehaving)
  }

  const base = frostSessionSigner({
    groupPublicKey: parameters.groupPublicKey,
    sign: async () => {
      throw new LatchkeyError('The signer nodes sign whole requests, never a bare hash.')
    },
  })
  return {
    ...base,
    async signSessionRequest(request, signingHash) {
      return frostOnChainSignature(await sign(request, hexToBytes(hashMessage({ raw: signingHash }))))
    },
  }
}
