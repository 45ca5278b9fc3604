import { keccak256, pad, slice, stringToHex, type Hex } from 'viem'

/**
 * A fixed salt for a measured session, of the SDK's default size (8 bytes, zeros first): fixed, so that
 * signatures and calldata repeat from run to run; 8 bytes, so that the figures are those of a default session.
 */
export function benchSalt(label: string): Hex {
  return pad(slice(keccak256(stringToHex(label)), 0, 8), { size: 32 })
}
