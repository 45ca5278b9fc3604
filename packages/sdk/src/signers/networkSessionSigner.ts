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
type PublicPackage = { signers: { min: number; max: number }; commitments: Uint8Array[]; verifyingShares: Record<string, Uint8Array> }
const bytes = (hex: string) => hexToBytes(`0x${hex}`)

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
 * nodes, gathers their nonce commitments, and sends each the signing package with the whole request (every
 * node rebuilds the hash and checks the sessions and their policies itself). It aggregates the shares and
 * verifies the signature before it is used; when the signature does not verify, it checks each share to
 * name the node that sent a bad one (RFC 9591 §5.3). A node that is down, slow or sends a bad share is left
 * out and the round is run again with another. A request the nodes refuse throws their reason.
 */
export function networkSessionSigner(parameters: NetworkSessionSignerParameters): SessionSigner {
  const { nodes, threshold, client } = parameters
  const groupKey = parameters.groupPublicKey.slice(2)
  let publicPackage: Promise<PublicPackage> | undefined
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
    const leaveOut = (node: SignerNodeInfo, kind: SignerNodeFailure['kind'], reason: string) => {
      excluded.add(node.identifier)
      failures.push(kind === 'bad-share' ? `node ${node.identifier} (${node.url}): ${reason}` : reason)
      parameters.onNodeFailure?.({ node, kind, reason })
    }
    for (let attempt = 0; attempt <= nodes.length - threshold; attempt++) {
      // Round 1: commitments from `threshold` nodes, asked at once; a node that fails is replaced by the next.
      const wire = encodeSessionSigningRequest(request)
      const chosen: { node: SignerNodeInfo; commitmentId: string; commitments: Commitment }[] = []
      const waiting = nodes.filter((node) => !excluded.has(node.identifier))
      while (chosen.length < threshold && waiting.length > 0) {
        const asked = waiting.splice(0, threshold - chosen.length)
        const answers = await Promise.allSettled(asked.map((node) => post<{ commitmentId: string; commitments: Commitment }>(node, '/sign/commit', { groupPublicKey: groupKey })))
        answers.forEach((answer, i) => {
          if (answer.status === 'fulfilled' && answer.value.commitments.identifier === asked[i]!.identifier) chosen.push({ node: asked[i]!, ...answer.value })
          else leaveOut(asked[i]!, 'unreachable', answer.status === 'rejected' ? String((answer.reason as Error).message) : `node ${asked[i]!.url} committed under another identifier`)
        })
      }
      if (chosen.length < threshold) break
      const commitments = chosen.map((c) => c.commitments)
      const list = commitments.map((c) => ({ identifier: c.identifier, hiding: bytes(c.hiding), binding: bytes(c.binding) }))
      // Round 2: every chosen node checks the request and signs its share.
      const answers = await Promise.allSettled(
        chosen.map(({ node, commitmentId }) => post<{ identifier: string; share: string }>(node, '/sign/share', { groupPublicKey: groupKey, commitmentId, commitments, request: wire })),
      )
      const shares: Record<string, Uint8Array> = {}
      for (const [i, answer] of answers.entries()) {
        const node = chosen[i]!.node
        if (answer.status === 'rejected') {
          if (answer.reason instanceof SignerNetworkRefusedError) throw answer.reason
          leaveOut(node, 'unreachable', String((answer.reason as Error).message))
        } else if (answer.value.identifier !== node.identifier || !/^[0-9a-f]{64}$/.test(answer.value.share)) {
          leaveOut(node, 'bad-share', 'its answer is not a signature share under its identifier')
        } else shares[node.identifier] = bytes(answer.value.share)
      }
      if (Object.keys(shares).length < threshold) continue
      // Aggregation verifies the signature; only when it fails are the shares checked one by one.
      try {
        return frost.aggregate(pub, list, message, shares)
      } catch (error) {
        const cheaters = (error as { cheaters?: string[] }).cheaters ?? []
        if (cheaters.length === 0) throw new LatchkeyError(`The signature shares could not be aggregated: ${(error as Error).message}`)
        for (const id of cheaters) leaveOut(chosen.find((c) => c.node.identifier === id)!.node, 'bad-share', 'sent a signature share that does not verify against its verifying share')
      }
    }
    throw new SignerNetworkError(nodes.map((n) => n.url).join(', '), `fewer than ${threshold} nodes could sign: ${failures.join('; ')}`)
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
