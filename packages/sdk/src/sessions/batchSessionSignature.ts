import { concat, keccak256, numberToHex, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { encodeSession } from './sessionEncoding.ts'
import type { SessionGrant } from './sessionGrant.ts'
import type { SessionMode } from './readSessionState.ts'
import { grantProof, sessionSignatureMode } from './sessionSignature.ts'

/** The first byte of a signature whose calls use different sessions (SessionTypes.MODE_BATCH). */
export const BATCH_SESSION_MODE = 0x80

/** One session carried by a batch signature, with how this op proves its grant. */
export type BatchSessionPart = { grant: SessionGrant; mode: SessionMode }

/** Which session (an index into the parts) and which of its permissions authorise one call. */
export type SessionCallEntry = { session: number; permission: number }

const entryBytes = (entries: readonly SessionCallEntry[]): Hex[] =>
  entries.map((entry) => concat([numberToHex(entry.session, { size: 1 }), numberToHex(entry.permission, { size: 1 })]))

/**
 * What the session signer signs for a batch (as an EIP-191 message of these 32 bytes):
 * `keccak256(0x80 ‖ userOpHash ‖ digest of each session ‖ (sessionIndex ‖ permissionIndex) per call ‖ declaredTime (6))`.
 * The leading mode byte (and the length) keep it apart from what a single-session signer signs.
 */
export function batchSessionSigningHash(userOpHash: Hex, digests: readonly Hex[], entries: readonly SessionCallEntry[], declaredTime: number): Hex {
  return keccak256(concat([numberToHex(BATCH_SESSION_MODE, { size: 1 }), userOpHash, ...digests, ...entryBytes(entries), numberToHex(declaredTime, { size: 6 })]))
}

/**
 * A batch signature (docs/sessions.md §6, mode `0x80`):
 * `0x80 ‖ sessionCount (1) ‖ per session [grantMode (1) ‖ session ‖ grant proof] ‖ callCount (1) ‖
 * per call [sessionIndex (1) ‖ permissionIndex (1)] ‖ declaredTime (6) ‖ signer signature`.
 */
export function encodeBatchSessionSignature(
  parts: readonly BatchSessionPart[],
  entries: readonly SessionCallEntry[],
  declaredTime: number,
  signerSignature: Hex,
): Hex {
  if (parts.length === 0 || parts.length > 255) throw new InvalidParameterError('sessions', 'between 1 and 255 sessions per batch userOp')
  if (entries.length === 0 || entries.length > 255) throw new InvalidParameterError('calls', 'between 1 and 255 calls per session userOp')
  return concat([
    numberToHex(BATCH_SESSION_MODE, { size: 1 }),
    numberToHex(parts.length, { size: 1 }),
    ...parts.flatMap((part) => [numberToHex(sessionSignatureMode[part.mode], { size: 1 }), encodeSession(part.grant.session), grantProof(part.grant, part.mode)]),
    numberToHex(entries.length, { size: 1 }),
    ...entryBytes(entries),
    numberToHex(declaredTime, { size: 6 }),
    signerSignature,
  ])
}
