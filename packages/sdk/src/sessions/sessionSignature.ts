import { concat, keccak256, numberToHex, size, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { encodeSession } from './sessionEncoding.ts'
import type { SessionGrant } from './sessionGrant.ts'
import type { SessionMode } from './readSessionState.ts'

/** The first byte of a session userOp's signature (SessionTypes.sol). */
export const sessionSignatureMode = { root: 0x00, enable: 0x01, recorded: 0x02 } as const

/**
 * What the session signer signs (as an EIP-191 message of these 32 bytes): the userOpHash together with the
 * session's digest, the permission index of each call and the declared time (6 bytes), so that whoever
 * relays the op can move it neither to another session of the same signer, nor a call to another
 * permission, nor the op to another period (the userOpHash does not cover the signature).
 */
export function sessionSigningHash(userOpHash: Hex, digest: Hex, permissionIndices: readonly number[], declaredTime: number): Hex {
  return keccak256(concat([userOpHash, digest, ...permissionIndices.map((i) => numberToHex(i, { size: 1 })), numberToHex(declaredTime, { size: 6 })]))
}

/**
 * A session userOp's signature (docs/sessions.md):
 * `mode (1) ‖ session ‖ grant proof ‖ indexCount (1) ‖ permission index per call (1 each) ‖ declaredTime (6) ‖
 * signer signature`,
 * where the grant proof is `proofLength (1) ‖ proof (32 each)` for a root, `approvalLength (2) ‖ approval`
 * for a first use with an owner approval, and nothing for a recorded session.
 */
export function encodeSessionSignature(
  grant: SessionGrant,
  mode: SessionMode,
  permissionIndices: readonly number[],
  declaredTime: number,
  signerSignature: Hex,
): Hex {
  if (permissionIndices.length === 0 || permissionIndices.length > 255) throw new InvalidParameterError('calls', 'between 1 and 255 calls per session userOp')
  return concat([
    numberToHex(sessionSignatureMode[mode], { size: 1 }),
    encodeSession(grant.session),
    grantProof(grant, mode),
    numberToHex(permissionIndices.length, { size: 1 }),
    ...permissionIndices.map((i) => numberToHex(i, { size: 1 })),
    numberToHex(declaredTime, { size: 6 }),
    signerSignature,
  ])
}

/**
 * What follows a session in a signature to prove its grant: `proofLength (1) ‖ proof (32 each)` for a root,
 * `approvalLength (2) ‖ approval` for a first use with an owner approval, nothing for a recorded session.
 */
export function grantProof(grant: SessionGrant, mode: SessionMode): Hex {
  if (mode === 'root') {
    if (grant.grant.type !== 'root') throw new InvalidParameterError('mode', 'root mode needs a root grant')
    return concat([numberToHex(grant.grant.proof.length, { size: 1 }), ...grant.grant.proof])
  }
  if (mode === 'enable') {
    if (grant.grant.type !== 'approval') throw new InvalidParameterError('mode', 'enable mode needs an approval grant')
    return concat([numberToHex(size(grant.grant.approval), { size: 2 }), grant.grant.approval])
  }
  return '0x'
}
