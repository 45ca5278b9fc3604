import { hexToBigInt, isAddress, type Address } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

const MAX_KEY32 = 0xffff_ffffn

/**
 * The 192-bit EntryPoint nonce key that selects `validator` on OpenZeppelin-layout ERC-7579 accounts
 * (LatchkeyAccount, the ERC-7579 reference implementation, Safe7579): `validator (20) ‖ key (4)`.
 * The zero address with key 0 is LatchkeyAccount's built-in owner path.
 *
 * Use one fixed key per validator (and per session, later): each new key costs ≈17k gas on its first use.
 */
export function validatorNonceKey(validator: Address, key = 0n): bigint {
  if (!isAddress(validator, { strict: false })) throw new InvalidParameterError('validator', `${validator} is not an address`)
  if (key < 0n || key > MAX_KEY32) throw new InvalidParameterError('nonce key', `${key} does not fit in 4 bytes`)
  return (hexToBigInt(validator) << 32n) | key
}

/** The owner path of LatchkeyAccount: nonce key 0 (no validator named). */
export const OWNER_NONCE_KEY = 0n
