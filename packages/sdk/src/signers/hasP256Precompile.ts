import type { Client, Hex } from 'viem'
import { call } from 'viem/actions'

/** P256VERIFY's address: EIP-7951 (Ethereum, from Osaka) and RIP-7212 (rollups) put it at 0x100. */
export const P256_PRECOMPILE = '0x0000000000000000000000000000000000000100'

/**
 * A valid P-256 signature with r = 5 and s = 1 of SHA-256("123400") (Project Wycheproof, ECDSA P-256 SHA-256,
 * IEEE P1363 vectors): the precompile answers it with 1; an address without it answers nothing.
 */
const PROBE = ('0xbb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023' +
  '0000000000000000000000000000000000000000000000000000000000000005' +
  '0000000000000000000000000000000000000000000000000000000000000001' +
  'a71af64de5126a4a4e02b7922d66ce9415ce88a4c9d25514d91082c8725ac957' +
  '5d47723c8fbe580bb369fec9c2665d8e30a435b9932645482e7c9f11e872296b') as Hex

/**
 * Whether the client's chain has the P-256 precompile: with it, P-256 session signers can use
 * `verification: 'precompile'` (about 100× cheaper than in Solidity). Asks the chain once (an `eth_call`).
 */
export async function hasP256Precompile(client: Client): Promise<boolean> {
  const { data } = await call(client, { to: P256_PRECOMPILE, data: PROBE })
  return data !== undefined && BigInt(data) === 1n
}
