import { isAddress, isHex, size, type Address, type Hex } from 'viem'
import { SessionFormatError } from '../errors/session.ts'
import { sessionRootFromProof } from './merkleTree.ts'
import { sessionDigest } from './sessionEncoding.ts'
import type { Session } from './session.ts'

/**
 * A session as its holder (a dApp, a bot, an agent) receives it: the session, where it applies, and how it
 * is granted — by the account's Merkle root (with the proof) or by an owner approval that the first use
 * records. It holds no private key; see {@link serializeSessionGrant}.
 */
export type SessionGrant = {
  chainId: number
  account: Address
  manager: Address
  session: Session
  digest: Hex
  grant: { type: 'root'; root: Hex; proof: Hex[] } | { type: 'approval'; epoch: bigint; approval: Hex }
}

const FORMAT = 'latchkey.session.v2'

/**
 * JSON for a grant. The session signer's private key is included only when the caller passes it: a grant
 * alone cannot be used without the key.
 */
export function serializeSessionGrant(grant: SessionGrant, options: { privateKey?: Hex | undefined } = {}): string {
  return JSON.stringify(
    {
      format: FORMAT,
      ...grant,
      session: { ...grant.session, permissions: grant.session.permissions.map((p) => ({ ...p, valueLimit: p.valueLimit.toString() })) },
      grant: grant.grant.type === 'approval' ? { ...grant.grant, epoch: grant.grant.epoch.toString() } : grant.grant,
      ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    },
    null,
    2,
  )
}

/**
 * Reads a grant back from JSON and checks it: the fields' types, that the digest is the session's, and
 * that a root grant's proof leads to its root. Throws {@link SessionFormatError} saying what is wrong.
 */
export function parseSessionGrant(json: string): { grant: SessionGrant; privateKey?: Hex } {
  let raw: Record<string, any>
  try {
    raw = JSON.parse(json)
  } catch (error) {
    throw new SessionFormatError(`not JSON (${(error as Error).message})`)
  }
  if (raw?.format !== FORMAT) throw new SessionFormatError(`format is ${JSON.stringify(raw?.format)}, expected "${FORMAT}"`)
  const address = (field: string, value: unknown): Address => {
    if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new SessionFormatError(`${field} is not an address`)
    return value
  }
  const hex = (field: string, value: unknown, bytes?: number): Hex => {
    if (typeof value !== 'string' || !isHex(value) || (bytes !== undefined && size(value) !== bytes)) {
      throw new SessionFormatError(`${field} is not ${bytes ? `${bytes} bytes of ` : ''}hex`)
    }
    return value
  }
  const integer = (field: string, value: unknown): bigint => {
    try {
      if (typeof value !== 'string' && typeof value !== 'number') throw new Error()
      return BigInt(value)
    } catch {
      throw new SessionFormatError(`${field} is not an integer`)
    }
  }
  if (!Number.isInteger(raw.chainId)) throw new SessionFormatError('chainId is not an integer')
  const s = raw.session ?? {}
  if (!Array.isArray(s.permissions)) throw new SessionFormatError('session.permissions is not a list')
  const session: Session = {
    signerVerifier: address('session.signerVerifier', s.signerVerifier),
    signer: hex('session.signer', s.signer),
    validAfter: Number(integer('session.validAfter', s.validAfter)),
    validUntil: Number(integer('session.validUntil', s.validUntil)),
    salt: hex('session.salt', s.salt, 32),
    permissions: s.permissions.map((p: Record<string, unknown>, i: number) => ({
      target: address(`session.permissions[${i}].target`, p.target),
      selector: hex(`session.permissions[${i}].selector`, p.selector, 4),
      valueLimit: integer(`session.permissions[${i}].valueLimit`, p.valueLimit),
      policy: address(`session.permissions[${i}].policy`, p.policy),
      policyConfig: hex(`session.permissions[${i}].policyConfig`, p.policyConfig),
    })),
    gasPolicy: address('session.gasPolicy', s.gasPolicy),
    gasPolicyConfig: hex('session.gasPolicyConfig', s.gasPolicyConfig),
  }
  let digest: Hex
  try {
    digest = sessionDigest(session)
  } catch (error) {
    throw new SessionFormatError((error as Error).message)
  }
  if (hex('digest', raw.digest, 32).toLowerCase() !== digest.toLowerCase()) throw new SessionFormatError('digest does not match the session')
  const g = raw.grant ?? {}
  let grant: SessionGrant['grant']
  if (g.type === 'root') {
    if (!Array.isArray(g.proof)) throw new SessionFormatError('grant.proof is not a list')
    const proof = g.proof.map((p: unknown, i: number) => hex(`grant.proof[${i}]`, p, 32))
    const root = hex('grant.root', g.root, 32)
    if (sessionRootFromProof(digest, proof).toLowerCase() !== root.toLowerCase()) throw new SessionFormatError('the proof does not lead to the root')
    grant = { type: 'root', root, proof }
  } else if (g.type === 'approval') {
    grant = { type: 'approval', epoch: integer('grant.epoch', g.epoch), approval: hex('grant.approval', g.approval) }
  } else {
    throw new SessionFormatError(`grant.type is ${JSON.stringify(g.type)}, expected "root" or "approval"`)
  }
  const result: { grant: SessionGrant; privateKey?: Hex } = {
    grant: { chainId: raw.chainId, account: address('account', raw.account), manager: address('manager', raw.manager), session, digest, grant },
  }
  if (raw.privateKey !== undefined) result.privateKey = hex('privateKey', raw.privateKey, 32)
  return result
}
