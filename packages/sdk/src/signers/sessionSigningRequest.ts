import { hashMessage, type Hex } from 'viem'
import { entryPoint07Address, formatUserOperation, formatUserOperationRequest, getUserOperationHash, type UserOperation } from 'viem/account-abstraction'
import { batchSessionSigningHash, type SessionCallEntry } from '../sessions/batchSessionSignature.ts'
import type { SessionMode } from '../sessions/readSessionState.ts'
import { parseSessionGrant, serializeSessionGrant, type SessionGrant } from '../sessions/sessionGrant.ts'
import { sessionSigningHash } from '../sessions/sessionSignature.ts'

/**
 * Everything a session signature covers, in full: the userOp (without its signature), the sessions it uses
 * with how each proves its grant, which session and permission each call is under, and the declared time.
 * A signer that checks what it signs (a signer node) rebuilds the hash from this, never from a hash it is
 * handed.
 */
export type SessionSigningRequest = {
  userOperation: Omit<UserOperation<'0.7'>, 'signature'>
  parts: { grant: SessionGrant; mode: SessionMode }[]
  entries: SessionCallEntry[]
  declaredTime: number
}

/** The session signing hash of a request on `chainId` (docs/sessions.md §5 and §6). */
export function sessionRequestSigningHash(request: SessionSigningRequest, chainId: number): Hex {
  const userOpHash = getUserOperationHash({
    chainId,
    entryPointAddress: entryPoint07Address,
    entryPointVersion: '0.7',
    userOperation: { ...request.userOperation, signature: '0x' },
  })
  const { parts, entries, declaredTime } = request
  if (parts.length === 1) return sessionSigningHash(userOpHash, parts[0]!.grant.digest, entries.map((entry) => entry.permission), declaredTime)
  return batchSessionSigningHash(userOpHash, parts.map((part) => part.grant.digest), entries, declaredTime)
}

/** The 32 bytes a non-ECDSA session signer signs for a request: the EIP-191 hash the manager hands the verifier. */
export const sessionRequestMessage = (request: SessionSigningRequest, chainId: number): Hex => hashMessage({ raw: sessionRequestSigningHash(request, chainId) })

/** The request as JSON for the wire: the userOp in RPC form, the grants in their JSON form (no key). */
export type SessionSigningRequestJson = {
  userOperation: Record<string, unknown>
  parts: { grant: string; mode: SessionMode }[]
  entries: SessionCallEntry[]
  declaredTime: number
}

export function encodeSessionSigningRequest(request: SessionSigningRequest): SessionSigningRequestJson {
  return {
    userOperation: formatUserOperationRequest({ ...request.userOperation, signature: '0x' } as UserOperation<'0.7'>) as unknown as Record<string, unknown>,
    parts: request.parts.map((part) => ({ grant: serializeSessionGrant(part.grant), mode: part.mode })),
    entries: request.entries.map(({ session, permission }) => ({ session, permission })),
    declaredTime: request.declaredTime,
  }
}

/** Reads a request back; the grants are checked as `parseSessionGrant` checks them (digest, proof). */
export function decodeSessionSigningRequest(json: SessionSigningRequestJson): SessionSigningRequest {
  const modes = ['root', 'enable', 'recorded']
  if (!Array.isArray(json.parts) || json.parts.length === 0 || !Array.isArray(json.entries) || !Number.isInteger(json.declaredTime)) throw new Error('malformed signing request')
  const { signature: _, ...userOperation } = formatUserOperation(json.userOperation as never) as UserOperation<'0.7'>
  return {
    userOperation,
    parts: json.parts.map((part) => {
      if (!modes.includes(part.mode)) throw new Error(`unknown grant mode ${String(part.mode)}`)
      return { grant: parseSessionGrant(part.grant).grant, mode: part.mode }
    }),
    entries: json.entries.map((entry) => {
      if (!Number.isInteger(entry.session) || !Number.isInteger(entry.permission)) throw new Error('malformed call entry')
      return { session: entry.session, permission: entry.permission }
    }),
    declaredTime: json.declaredTime,
  }
}
