import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, concat, hexToBytes, isHex, size, slice, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * The formats FrostSignerVerifier reads (packages/contracts/src/signers/FrostSignerVerifier.sol): points with
 * both coordinates, so that the contract needs no square root. RFC 9591 serializes them compressed.
 */

const bytesOf = (value: Hex | Uint8Array): Uint8Array => (isHex(value) ? hexToBytes(value) : value)

/** A session `signer` for a FROST group: its public key (33-byte compressed, or 65-byte uncompressed) as `x ‖ y` (64 bytes). */
export function frostSignerKey(groupPublicKey: Hex | Uint8Array): Hex {
  let point
  try {
    point = secp256k1.Point.fromBytes(bytesOf(groupPublicKey))
  } catch (error) {
    throw new InvalidParameterError('groupPublicKey', `not a secp256k1 point (${(error as Error).message})`)
  }
  // FrostSignerVerifier passes PK.x to ecrecover as r, which must be below the group order.
  if (point.x >= secp256k1.Point.Fn.ORDER) throw new InvalidParameterError('groupPublicKey', 'its x coordinate is not below the group order, which the on-chain verifier refuses: generate another key')
  return slice(bytesToHex(point.toBytes(false)), 1)
}

/** An RFC 9591 signature `R (33, compressed) ‖ z (32)` as the verifier takes it: `R.x ‖ R.y ‖ z` (96 bytes). */
export function frostOnChainSignature(signature: Hex | Uint8Array): Hex {
  const hex = isHex(signature) ? signature : bytesToHex(signature)
  if (size(hex) !== 65) throw new InvalidParameterError('signature', `an RFC 9591 secp256k1 signature is 65 bytes, not ${size(hex)}`)
  return concat([frostSignerKey(slice(hex, 0, 33)), slice(hex, 33)])
}
