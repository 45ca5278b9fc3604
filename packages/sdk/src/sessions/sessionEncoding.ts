import { concat, hashStruct, keccak256, numberToHex, size, type Address, type Hex, type TypedDataDomain } from 'viem'
import { assertValidSession, type Session } from './session.ts'

/** The EIP-712 types of SessionKeyManager (the same strings as SessionTypes.sol). */
export const sessionTypes = {
  Permission: [
    { name: 'target', type: 'address' },
    { name: 'selector', type: 'bytes4' },
    { name: 'valueLimit', type: 'uint128' },
    { name: 'policy', type: 'address' },
    { name: 'policyConfig', type: 'bytes' },
  ],
  Session: [
    { name: 'signerVerifier', type: 'address' },
    { name: 'signer', type: 'bytes' },
    { name: 'validAfter', type: 'uint48' },
    { name: 'validUntil', type: 'uint48' },
    { name: 'permissions', type: 'Permission[]' },
    { name: 'gasPolicy', type: 'address' },
    { name: 'gasPolicyConfig', type: 'bytes' },
    { name: 'salt', type: 'bytes32' },
  ],
  /** The owner's approval of a session (named to sort first: see SessionTypes.sol). */
  ApproveSession: [
    { name: 'account', type: 'address' },
    { name: 'epoch', type: 'uint64' },
    { name: 'session', type: 'Session' },
  ],
} as const

/** The manager's EIP-712 domain. */
export function sessionManagerDomain(chainId: number, manager: Address): TypedDataDomain {
  return { name: 'Latchkey SessionKeyManager', version: '1', chainId, verifyingContract: manager }
}

/**
 * The session's digest: keccak256 of its compact encoding ({@link encodeSession}). It names the session
 * everywhere: the Merkle leaf, the manager's record and revocation, the signer nodes' check.
 */
export function sessionDigest(session: Session): Hex {
  return keccak256(encodeSession(session))
}

/** The session's EIP-712 struct hash: what an owner approval commits to (shown in full by the wallet). */
export function sessionTypedHash(session: Session): Hex {
  assertValidSession(session)
  return hashStruct({ data: session as never, primaryType: 'Session', types: sessionTypes })
}

const u = (value: number | bigint, bytes: number) => numberToHex(value, { size: bytes })

/**
 * The compact encoding the manager decodes from a signature (SessionCodec.sol):
 * `validAfter (6) ‖ validUntil (6) ‖ salt (32) ‖ signerVerifier (20) ‖ signerLength (2) ‖ signer ‖ count (1) ‖
 * count × [target (20) ‖ selector (4) ‖ valueLimit (16) ‖ policy (20) ‖ configLength (2) ‖ policyConfig] ‖
 * gasPolicy (20) ‖ gasConfigLength (2) ‖ gasPolicyConfig`.
 */
export function encodeSession(session: Session): Hex {
  assertValidSession(session)
  return concat([
    u(session.validAfter, 6),
    u(session.validUntil, 6),
    session.salt,
    session.signerVerifier,
    u(size(session.signer), 2),
    session.signer,
    u(session.permissions.length, 1),
    ...session.permissions.flatMap((p) => [p.target, p.selector, u(p.valueLimit, 16), p.policy, u(size(p.policyConfig), 2), p.policyConfig]),
    session.gasPolicy,
    u(size(session.gasPolicyConfig), 2),
    session.gasPolicyConfig,
  ])
}
