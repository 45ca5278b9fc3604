import { secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { hashMessage, hexToBytes, type Hex, type LocalAccount } from 'viem'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { frostOnChainSignature } from './frostOnChain.ts'
import { frostSessionSigner } from './frostSessionSigner.ts'
import { SignerNetworkError, SignerNetworkRefusedError, callSignerNode, type SignerNodeInfo } from './generateDistributedKey.ts'
import { signNodeRequest } from './nodeRequest.ts'
import { encodeSessionSigningRequest, type SessionSigningRequest } from './sessionSigningRequest.ts'
import type { SessionSigner } from './sessionSigner.ts'

export type NetworkSessionSignerParameters = {
  /** The group public key (33-byte compressed), from `generateDistributedKey`. */
  groupPublicKey: Hex
  /** The nodes holding its shares, from `generateDistributedKey`. */
  nodes: readonly SignerNodeInfo[]
  threshold: number
  /** The client credential registered with the key: it signs every request to the nodes. */
  client: LocalAccount
}

type Commitment = { identifier: string; hiding: string; binding: string }
const bytes = (hex: string) => hexToBytes(`0x${hex}`)

/**
 * The session signer of a group key held by signer nodes. For each signature it picks `threshold` reachable
 * nodes, gathers their nonce commitments, sends each the signing package with the whole request (every node
 * rebuilds the hash and checks the sessions and their policies itself), checks every share, aggregates,
 * and verifies the signature before it is used; a node that is down, slow or sends a bad share is left out
 * and the round is run again with another. A request the nodes refuse throws their reason.
 */
export function networkSessionSigner(parameters: NetworkSessionSignerParameters): SessionSigner {
  const { nodes, threshold, client } = parameters
  const groupKey = parameters.groupPublicKey.slice(2)
  let publicPackage: Promise<{ signers: { min: number; max: number }; commitments: Uint8Array[]; verifyingShares: Record<string, Uint8Array> }> | undefined
  const post = async <T>(node: SignerNodeInfo, path: string, payload: Record<string, unknown>) =>
    callSignerNode<T>(`${node.url}${path}`, { body: { ...payload, auth: await signNodeRequest(client, node.signingKey, path, payload) } })

  async function groupPublic() {
    publicPackage ??= (async () => {
      for (const node of nodes) {
        try {
          const raw = await callSignerNode<{ signers: { min: number; max: number }; commitments: string[]; verifyingShares: Record<string, string> }>(`${node.url}/keys/${groupKey}/public`)
          return { signers: raw.signers, commitments: raw.commitments.map(bytes), verifyingShares: Object.fromEntries(Object.entries(raw.verifyingShares).map(([id, v]) => [id, bytes(v)])) }
        } catch {
          // The next node.
        }
      }
      throw new LatchkeyError('No signer node answered with the group key’s public data.')
    })()
    return publicPackage
  }

  async function sign(request: SessionSigningRequest, message: Uint8Array): Promise<Uint8Array> {
    const pub = await groupPublic()
    const excluded = new Set<string>()
    const failures: string[] = []
    for (let attempt = 0; attempt <= nodes.length - threshold; attempt++) {
      // Round 1: commitments from `threshold` nodes, asked at once; a node that fails is replaced by the next.
      const chosen: { node: SignerNodeInfo; commitmentId: string; commitments: Commitment }[] = []
      const waiting = nodes.filter((node) => !excluded.has(node.identifier))
      while (chosen.length < threshold && waiting.length > 0) {
        const asked = waiting.splice(0, threshold - chosen.length)
        const answers = await Promise.allSettled(asked.map((node) => post<{ commitmentId: string; commitments: Commitment }>(node, '/sign/commit', { groupPublicKey: groupKey })))
        answers.forEach((answer, i) => {
          if (answer.status === 'fulfilled') chosen.push({ node: asked[i]!, ...answer.value })
          else {
            excluded.add(asked[i]!.identifier)
            failures.push(String((answer.reason as Error).message))
          }
        })
      }
      if (chosen.length < threshold) break
      const commitments = chosen.map((c) => c.commitments)
      const list = commitments.map((c) => ({ identifier: c.identifier, hiding: bytes(c.hiding), binding: bytes(c.binding) }))
      // Round 2: every chosen node checks the request and signs its share.
      const shares: Record<string, Uint8Array> = {}
      const wire = encodeSessionSigningRequest(request)
      const answers = await Promise.allSettled(
        chosen.map(({ node, commitmentId }) => post<{ identifier: string; share: string }>(node, '/sign/share', { groupPublicKey: groupKey, commitmentId, commitments, request: wire })),
      )
      let complete = true
      for (const [i, answer] of answers.entries()) {
        const node = chosen[i]!.node
        if (answer.status === 'rejected') {
          if (answer.reason instanceof SignerNetworkRefusedError) throw answer.reason
          excluded.add(node.identifier)
          failures.push(String((answer.reason as Error).message))
          complete = false
          continue
        }
        const share = bytes(answer.value.share)
        if (answer.value.identifier !== node.identifier || !frost.verifyShare(pub, list, message, node.identifier, share)) {
          excluded.add(node.identifier)
          failures.push(`node ${node.url} sent a signature share that does not verify`)
          complete = false
          continue
        }
        shares[node.identifier] = share
      }
      if (!complete) continue
      const signature = frost.aggregate(pub, list, message, shares)
      if (!frost.verify(signature, message, bytes(groupKey))) throw new LatchkeyError('The aggregated signature does not verify under the group key.')
      return signature
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
