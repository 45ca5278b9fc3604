import { secp256k1, secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { hashMessage, hexToBytes, type Hex, type LocalAccount } from 'viem'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { callSignerNode } from './callSignerNode.ts'
import { CommitmentPools, CommitmentsExhaustedError, MalformedCommitmentError, type Commitment, type PooledCommitment } from './commitmentPools.ts'
import { frostOnChainSignature } from './frostOnChain.ts'
import { frostSessionSigner } from './frostSessionSigner.ts'
import type { SignerNodeInfo } from './generateDistributedKey.ts'
import { groupPublicPackage, type GroupPublicPackage } from './groupPublicPackage.ts'
import { signNodeRequest } from './nodeRequest.ts'
import { encodeSessionSigningRequest, type SessionSigningRequest } from './sessionSigningRequest.ts'
import type { SessionSigner } from './sessionSigner.ts'
import { SignerNetworkError, SignerNetworkRefusedError } from './signerNetworkErrors.ts'

/**
 * A node left out of a signature: it did not answer (`unreachable`: down, timed out, or an error), it
 * answered with commitments that are not curve points (`bad-commitment`), or it sent a signature share that
 * does not verify against its verifying share (`bad-share`); those two name a faulty or dishonest node. A
 * node that refused a request that `threshold` others then signed (`refused`) reads the chain behind them,
 * or is faulty.
 */
export type SignerNodeFailure = { node: SignerNodeInfo; kind: 'unreachable' | 'bad-commitment' | 'bad-share' | 'refused'; reason: string }

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

const bytes = (hex: string) => hexToBytes(`0x${hex}`)
/** How long a node that failed is asked after the others. */
const DEMOTION_MS = 60_000
/** The nodes' refusals as one error: their distinct reasons, in the order they came. */
const refused = (refusals: readonly SignerNetworkRefusedError[]) =>
  refusals.length === 1 ? refusals[0]! : new SignerNetworkRefusedError([...new Set(refusals.map((r) => r.reason))].join('; '))
const isScalar = (hex: string) => /^[0-9a-f]{64}$/.test(hex) && secp256k1.Point.Fn.isValid(BigInt(`0x${hex}`))

/**
 * The session signer of a group key held by signer nodes. For each signature it picks `threshold` reachable
 * nodes, takes one nonce commitment of each (made ahead, 16 at a time: a signature is one round trip), and
 * sends each the signing package with the whole request (every node rebuilds the hash and checks the
 * sessions and their policies itself). It aggregates the shares, which verifies the signature; only when
 * that fails does it check each share to name the node that sent a bad one (RFC 9591 §5.3). A node that is
 * down, slow, or misbehaves is left out and the round is run again with another, and for the next minute it
 * is asked only after the others. A node that refuses the request is left out too (it may be a block
 * behind), and reported and asked last if others then sign; when refusals alone leave too few nodes, their
 * reasons are thrown (`SignerNetworkRefusedError`).
 */
export function networkSessionSigner(parameters: NetworkSessionSignerParameters): SessionSigner {
  const { nodes, threshold, client } = parameters
  const groupKey = parameters.groupPublicKey.slice(2)
  let publicPackage: Promise<GroupPublicPackage> | undefined
  // Nodes that failed (down, slow, misbehaving), until when they are asked last.
  const demoted = new Map<string, number>()
  // Each signature starts at the next node, so that the load spreads over all of them (asked in the order
  // given, a 2-of-3 network never asked the third).
  let rotation = 0
  const post = async <T>(node: SignerNodeInfo, path: string, payload: Record<string, unknown>) =>
    callSignerNode<T>(`${node.url}${path}`, { body: { ...payload, auth: await signNodeRequest(client, node.signingKey, path, payload) } })
  const pools = new CommitmentPools(async (node, count) => (await post<{ nonces: { commitmentId: string; commitments: Commitment }[] }>(node, '/sign/commit', { groupPublicKey: groupKey, count })).nonces)

  function groupPublic() {
    publicPackage ??= groupPublicPackage(nodes, groupKey, threshold).catch((error: unknown) => {
      publicPackage = undefined
      throw error
    })
    return publicPackage
  }

  async function sign(request: SessionSigningRequest, message: Uint8Array): Promise<Uint8Array> {
    const pub = await groupPublic()
    const excluded = new Set<string>()
    const failures: string[] = []
    const refusals: SignerNetworkRefusedError[] = []
    const refusers: SignerNodeInfo[] = []
    let misbehaving: string | undefined
    let staleRetries = nodes.length
    const leaveOut = (node: SignerNodeInfo, kind: SignerNodeFailure['kind'], reason: string) => {
      excluded.add(node.identifier)
      demoted.set(node.identifier, Date.now() + DEMOTION_MS)
      if (kind !== 'unreachable') misbehaving ??= node.identifier
      failures.push(kind !== 'unreachable' ? `node ${node.identifier} (${node.url}): ${reason}` : reason)
      parameters.onNodeFailure?.({ node, kind, reason })
    }
    const wire = encodeSessionSigningRequest(request)
    const start = rotation++ % nodes.length
    const rotated = [...nodes.slice(start), ...nodes.slice(0, start)]
    for (let attempt = 0; attempt <= nodes.length; attempt++) {
      // A commitment of each of `threshold` nodes, from their pools (asked for at once when a pool is
      // empty); a node that fails is replaced by the next. Nodes that failed lately are asked last.
      const chosen: { node: SignerNodeInfo; pooled: PooledCommitment }[] = []
      const now = Date.now()
      const recent = (node: SignerNodeInfo) => (demoted.get(node.identifier) ?? 0) > now
      const waiting = rotated.filter((node) => !excluded.has(node.identifier)).sort((a, b) => Number(recent(a)) - Number(recent(b)))
      while (chosen.length < threshold && waiting.length > 0) {
        const asked = waiting.splice(0, threshold - chosen.length)
        const answers = await Promise.allSettled(asked.map((node) => pools.take(node)))
        answers.forEach((answer, i) => {
          if (answer.status === 'rejected' && answer.reason instanceof CommitmentsExhaustedError) throw answer.reason
          if (answer.status === 'fulfilled') chosen.push({ node: asked[i]!, pooled: answer.value })
          else leaveOut(asked[i]!, answer.reason instanceof MalformedCommitmentError ? 'bad-commitment' : 'unreachable', String((answer.reason as Error).message))
        })
      }
      if (chosen.length < threshold) break
      const commitments = chosen.map((c) => c.pooled.commitments)
      const list = commitments.map((c) => ({ identifier: c.identifier, hiding: bytes(c.hiding), binding: bytes(c.binding) }))
      // The signing round: every chosen node checks the request and signs its share.
      const answers = await Promise.allSettled(
        chosen.map(({ node, pooled }) => post<{ identifier: string; share: string }>(node, '/sign/share', { groupPublicKey: groupKey, commitmentId: pooled.commitmentId, commitments, request: wire })),
      )
      const shares: Record<string, Uint8Array> = {}
      for (const [i, answer] of answers.entries()) {
        const { node, pooled } = chosen[i]!
        if (answer.status === 'rejected') {
          const reason = answer.reason as Error
          if (reason instanceof SignerNetworkRefusedError) {
            // Refused by the node's own policy check. Every honest node refuses an out-of-policy request; a
            // node that refuses what others then sign (behind the chain, or faulty) is reported after.
            refusals.push(reason)
            refusers.push(node)
            excluded.add(node.identifier)
          } else if (reason instanceof SignerNetworkError && reason.code === 'unknown-commitment' && staleRetries > 0) {
            // The node no longer holds the nonces it committed to (restarted, or they expired): those are
            // dropped and the round runs again, the node included, with fresh commitments.
            staleRetries--
            attempt--
            pools.forget(node, pooled)
          } else leaveOut(node, 'unreachable', String(reason.message))
        } else if (answer.value.identifier !== node.identifier || !isScalar(answer.value.share)) {
          leaveOut(node, 'bad-share', 'its answer is not a signature share (a scalar below the group order) under its identifier')
        } else shares[node.identifier] = bytes(answer.value.share)
      }
      if (Object.keys(shares).length < threshold) {
        if (nodes.length - excluded.size < threshold) break
        continue
      }
      // Aggregation verifies the signature; only when it fails are the shares checked one by one.
      let signature: Uint8Array | undefined
      try {
        signature = frost.aggregate(pub, list, message, shares)
      } catch {
        // Named by checking each share against its node's verifying share.
        for (const { node } of chosen) {
          let valid = false
          try {
            valid = frost.verifyShare(pub, list, message, node.identifier, shares[node.identifier]!)
          } catch {
            valid = false
          }
          if (!valid) leaveOut(node, 'bad-share', 'sent a signature share that does not verify against its verifying share')
        }
        if (chosen.every(({ node }) => !excluded.has(node.identifier))) throw new LatchkeyError('The signature shares verify one by one but do not aggregate to a valid signature.')
        continue
      }
      for (const { node } of chosen) demoted.delete(node.identifier)
      for (const node of refusers) {
        demoted.set(node.identifier, Date.now() + DEMOTION_MS)
        parameters.onNodeFailure?.({ node, kind: 'refused', reason: `refused what ${threshold} other nodes signed` })
      }
      return signature
    }
    // Refusals alone leave fewer than `threshold` nodes: the request is refused (the nodes' reasons).
    // Otherwise nodes that failed share the blame, and the error says so.
    if (refusals.length > nodes.length - threshold) throw refused(refusals)
    if (refusals.length > 0) failures.push(...refusers.map((node, i) => `node ${node.identifier} refused: ${refusals[i]!.reason}`))
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
