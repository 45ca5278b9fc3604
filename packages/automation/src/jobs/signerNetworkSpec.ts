import { isHex, size, type Hex } from 'viem'
import { frostSignerKey, type SignerNodeInfo } from '@latchkey/sdk'
import { JobSpecError } from './jobSpecError.ts'

/**
 * A job whose session is a distributed one: its signer is the group key of signer nodes, and each run is
 * signed by `threshold` of them, each checking the op against the session on chain. The runner holds only
 * the client credential registered with the key, which signs requests to the nodes and nothing else.
 * The fields are `createDistributedSession`'s `key` (GenerateDistributedKeyReturnType).
 */
export type SignerNetworkSpec = { type: 'signer-network'; groupPublicKey: Hex; threshold: number; nodes: SignerNodeInfo[] }

/** The spec with the session signer key its group key makes (what the grant's session must name). */
export type ParsedSignerNetworkSpec = SignerNetworkSpec & { signerKey: Hex }

const HEX_64 = /^[0-9a-fA-F]{64}$/

function node(raw: unknown, i: number): SignerNodeInfo {
  const path = `signer.nodes[${i}]`
  if (raw === null || typeof raw !== 'object') throw new JobSpecError(path, 'a node { url, identifier, signingKey, encryptionKey }')
  const n = raw as Record<string, unknown>
  const stray = Object.keys(n).find((k) => !['url', 'identifier', 'signingKey', 'encryptionKey'].includes(k))
  if (stray !== undefined) throw new JobSpecError(`${path}.${stray}`, 'is not a field of this shape (refused rather than ignored)')
  if (typeof n.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(n.url)) throw new JobSpecError(`${path}.url`, `${JSON.stringify(n.url)} is not an http(s) URL`)
  for (const field of ['identifier', 'signingKey', 'encryptionKey'] as const) {
    if (typeof n[field] !== 'string' || !HEX_64.test(n[field] as string)) throw new JobSpecError(`${path}.${field}`, 'not 32 bytes of hex (as generateDistributedKey returns it)')
  }
  return { url: n.url, identifier: n.identifier as string, signingKey: n.signingKey as string, encryptionKey: n.encryptionKey as string }
}

export function parseSignerNetworkSpec(raw: unknown): ParsedSignerNetworkSpec {
  if (raw === null || typeof raw !== 'object') throw new JobSpecError('signer', 'a { type: "signer-network", groupPublicKey, threshold, nodes }')
  const s = raw as Record<string, unknown>
  const stray = Object.keys(s).find((k) => !['type', 'groupPublicKey', 'threshold', 'nodes'].includes(k))
  if (stray !== undefined) throw new JobSpecError(`signer.${stray}`, 'is not a field of this shape (refused rather than ignored)')
  if (s.type !== 'signer-network') throw new JobSpecError('signer.type', `${JSON.stringify(s.type)} is not a signer this runner has (signer-network)`)
  if (typeof s.groupPublicKey !== 'string' || !isHex(s.groupPublicKey) || size(s.groupPublicKey) !== 33) throw new JobSpecError('signer.groupPublicKey', 'a 33-byte compressed key, hex')
  let signerKey: Hex
  try {
    signerKey = frostSignerKey(s.groupPublicKey)
  } catch {
    throw new JobSpecError('signer.groupPublicKey', 'not a secp256k1 point')
  }
  if (!Array.isArray(s.nodes) || s.nodes.length < 2) throw new JobSpecError('signer.nodes', 'at least two nodes')
  const nodes = s.nodes.map(node)
  if (new Set(nodes.map((n) => n.identifier)).size !== nodes.length) throw new JobSpecError('signer.nodes', 'a node identifier appears twice')
  if (typeof s.threshold !== 'number' || !Number.isInteger(s.threshold) || s.threshold < 2 || s.threshold > nodes.length) throw new JobSpecError('signer.threshold', `a whole number from 2 to the ${nodes.length} nodes`)
  return { type: 'signer-network', groupPublicKey: s.groupPublicKey, threshold: s.threshold, nodes, signerKey }
}
