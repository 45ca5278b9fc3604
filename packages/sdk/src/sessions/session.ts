import { isAddress, isHex, size, zeroAddress, type Address, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * One thing a session may call (the `Permission` struct of SessionKeyManager):
 * - `target`: the contract, or {@link ANY_TARGET} (zero) for any address except the account, the manager
 *   and modules installed on the account;
 * - `selector`: the function, or {@link EMPTY_CALLDATA} (zero) for a call with no calldata (a transfer), or
 *   {@link ANY_SELECTOR} for any function, which needs a policy that decides (the ERC-20 policy does);
 * - `valueLimit`: the most native value (wei) one call may send;
 * - `policy` / `policyConfig`: an optional session validation module (ISessionPolicy) and its config.
 */
export type Permission = {
  target: Address
  selector: Hex
  valueLimit: bigint
  policy: Address
  policyConfig: Hex
}

/**
 * A session (the `Session` struct of SessionKeyManager). `signerVerifier` zero = an ECDSA key whose address
 * is `signer`; otherwise a verifier contract and its key data. The window is inclusive, in seconds since
 * the epoch; `validUntil` 0 means no expiry. `gasPolicy` (zero: none) bounds what each userOp may cost the
 * account (ISessionGasPolicy, e.g. GasPolicy with `gasPolicyConfig`).
 */
export type Session = {
  signerVerifier: Address
  signer: Hex
  validAfter: number
  validUntil: number
  permissions: readonly Permission[]
  gasPolicy: Address
  gasPolicyConfig: Hex
  salt: Hex
}

/** `Permission.target` that allows any target (never the account, the manager or an installed module). */
export const ANY_TARGET: Address = zeroAddress
/** `Permission.selector` that allows only calls with empty calldata (plain transfers). */
export const EMPTY_CALLDATA: Hex = '0x00000000'
/** `Permission.selector` that allows any function; only with a policy, which decides (SessionTypes.ANY_SELECTOR). */
export const ANY_SELECTOR: Hex = '0xffffffff'
/** `Session.signerVerifier` for ECDSA keys, checked inside the manager. */
export const ECDSA_SIGNER: Address = zeroAddress

const MAX_UINT48 = 2 ** 48 - 1
const MAX_UINT128 = (1n << 128n) - 1n

/** Whether `value` is hex of whole bytes, at most `max` of them (an odd number of digits is no byte string). */
function isBytes(value: unknown, max: number): value is Hex {
  return isHex(value) && value.length % 2 === 0 && size(value) <= max
}

/** Throws {@link InvalidParameterError} naming the first field of `session` that cannot be encoded. */
export function assertValidSession(session: Session): void {
  const fail = (field: string, problem: string) => {
    throw new InvalidParameterError(`session.${field}`, problem)
  }
  if (!isAddress(session.signerVerifier, { strict: false })) fail('signerVerifier', 'not an address')
  if (!isBytes(session.signer, 0xffff)) fail('signer', 'not hex of whole bytes, at most 65,535 of them')
  if (session.signerVerifier === ECDSA_SIGNER && (size(session.signer) !== 20 || !isAddress(session.signer, { strict: false }))) {
    fail('signer', 'an ECDSA session signer is a 20-byte address')
  }
  for (const field of ['validAfter', 'validUntil'] as const) {
    const value = session[field]
    if (!Number.isInteger(value) || value < 0 || value > MAX_UINT48) fail(field, `${value} is not a uint48 timestamp`)
  }
  if (session.validUntil !== 0 && session.validUntil < session.validAfter) fail('validUntil', 'ends before validAfter')
  if (!isBytes(session.salt, 32) || size(session.salt) !== 32) fail('salt', 'not 32 bytes')
  if (session.permissions.length === 0) fail('permissions', 'a session needs at least one permission')
  if (session.permissions.length > 255) fail('permissions', 'at most 255 permissions')
  session.permissions.forEach((p, i) => {
    if (!isAddress(p.target, { strict: false })) fail(`permissions[${i}].target`, 'not an address')
    if (!isBytes(p.selector, 4) || size(p.selector) !== 4) fail(`permissions[${i}].selector`, 'not 4 bytes')
    if (p.valueLimit < 0n || p.valueLimit > MAX_UINT128) fail(`permissions[${i}].valueLimit`, 'not a uint128')
    if (!isAddress(p.policy, { strict: false })) fail(`permissions[${i}].policy`, 'not an address')
    if (!isBytes(p.policyConfig, 0xffff)) fail(`permissions[${i}].policyConfig`, 'not hex of whole bytes, at most 65,535 of them')
    if (p.selector.toLowerCase() === ANY_SELECTOR && p.policy.toLowerCase() === zeroAddress) {
      fail(`permissions[${i}].selector`, 'any function (0xffffffff) needs a policy that decides which')
    }
  })
  if (!isAddress(session.gasPolicy, { strict: false })) fail('gasPolicy', 'not an address')
  if (!isBytes(session.gasPolicyConfig, 0xffff)) fail('gasPolicyConfig', 'not hex of whole bytes, at most 65,535 of them')
}
