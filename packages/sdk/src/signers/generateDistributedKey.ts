import { ed25519 } from '@noble/curves/ed25519.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes, type Hex, type LocalAccount } from 'viem'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { callSignerNode } from './callSignerNode.ts'
import { canonicalJson } from './canonicalJson.ts'
import { signNodeRequest } from './nodeRequest.ts'
import { SignerNetworkError } from './signerNetworkErrors.ts'

/** A signer node as the client pins it after asking (`GET /identity`). */
export type SignerNodeInfo = { url: string; identifier: string; signingKey: string; encryptionKey: string }

export type GenerateDistributedKeyParameters = {
  /** The nodes' base URLs; each takes part (n = their number). */
  nodes: readonly string[]
  /** How many nodes must sign (t of n). */
  threshold: number
  /** The session holder's client credential: it signs every request, and the nodes register it with the key. */
  client: LocalAccount
}

export type GenerateDistributedKeyReturnType = {
  /** The group public key, 33-byte compressed SEC1. */
  groupPublicKey: Hex
  threshold: number
  nodes: SignerNodeInfo[]
}

type Signed = { sender: string; body: Record<string, unknown>; signature: string }

/**
 * Runs a distributed key generation (FROST(secp256k1, SHA-256), the nodes' three DKG rounds) on the given
 * nodes, as its relay: this client sees every message and can read none of the shares (each round-2 share
 * is encrypted to its node), so no party, this client included, ever holds the group key. Every answer is
 * checked: each node's round messages and final result are signed by its pinned identity, and all nodes
 * must report the same group key. The nodes register `client` as the credential for signing requests.
 */
export async function generateDistributedKey(parameters: GenerateDistributedKeyParameters): Promise<GenerateDistributedKeyReturnType> {
  const { nodes: urls, threshold, client } = parameters
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > urls.length) {
    throw new LatchkeyError(`A threshold of ${threshold} of ${urls.length} nodes: it must be at least 2 and at most the number of nodes.`)
  }
  const nodes = await Promise.all(urls.map(async (url) => ({ url, ...(await callSignerNode<Omit<SignerNodeInfo, 'url'>>(`${url}/identity`)) })))
  if (new Set(nodes.map((n) => n.identifier)).size !== nodes.length) throw new LatchkeyError('Two nodes have the same identifier.')
  const setup = { dkgId: bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2), min: threshold, participants: nodes.map((n) => ({ identifier: n.identifier, identity: { signingKey: n.signingKey, encryptionKey: n.encryptionKey } })) }
  const post = async <T>(node: SignerNodeInfo, path: string, payload: Record<string, unknown>) =>
    callSignerNode<T>(`${node.url}${path}`, { body: { ...payload, auth: await signNodeRequest(client, node.signingKey, path, payload) } })
  const checkSigned = (node: SignerNodeInfo, round: string, message: Signed) => {
    const bytes = new TextEncoder().encode(canonicalJson({ dkgId: setup.dkgId, round, sender: message.sender, body: message.body }))
    let valid = false
    try {
      valid = message.sender === node.identifier && ed25519.verify(hexToBytes(`0x${message.signature}`), bytes, hexToBytes(`0x${node.signingKey}`))
    } catch {
      valid = false
    }
    if (!valid) throw new SignerNetworkError(node.url, `its ${round} message is not signed by its identity`)
  }

  const round1 = await Promise.all(nodes.map((node) => post<{ message: Signed }>(node, '/dkg/round1', { setup }).then(({ message }) => (checkSigned(node, 'round1', message), message))))
  const round2 = (
    await Promise.all(nodes.map((node) => post<{ messages: Signed[] }>(node, '/dkg/round2', { dkgId: setup.dkgId, round1 }).then(({ messages }) => (messages.forEach((m) => checkSigned(node, 'round2', m)), messages))))
  ).flat()
  const results = await Promise.all(
    nodes.map((node) =>
      post<{ result: Signed }>(node, '/dkg/round3', { dkgId: setup.dkgId, round2: round2.filter((m) => m.body.recipient === node.identifier) }).then(({ result }) => (checkSigned(node, 'result', result), result)),
    ),
  )
  const groupKeys = new Set(results.map((r) => String(r.body.groupPublicKey)))
  if (groupKeys.size !== 1) throw new LatchkeyError(`The nodes disagree on the group key: ${[...groupKeys].join(', ')}.`)
  const groupPublicKey = `0x${[...groupKeys][0]}` as Hex
  try {
    secp256k1.Point.fromHex(groupPublicKey.slice(2))
  } catch {
    throw new LatchkeyError(`The nodes' group key ${groupPublicKey} is not a secp256k1 point.`)
  }
  return { groupPublicKey, threshold, nodes }
}
