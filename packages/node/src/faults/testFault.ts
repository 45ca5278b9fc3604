/**
 * Faults a node can be started with, so that tests can run the network around a node that misbehaves as a
 * real process would: never set one in production (the node logs a warning at start when one is set).
 * - `bad-signature-share`: the node signs as usual, then sends a signature share that is off by one.
 * - `bad-dkg-share`: in key generation, the node sends every other node a wrong share (encrypted and signed
 *   as a right one would be).
 * - `crash-after-nonce-mark`: the node kills itself (SIGKILL) right after it marks a signing nonce used and
 *   before it releases the share.
 */
export const TEST_FAULTS = ['bad-signature-share', 'bad-dkg-share', 'crash-after-nonce-mark'] as const
export type TestFault = (typeof TEST_FAULTS)[number]

export function parseTestFault(value: string | undefined): TestFault | undefined {
  if (value === undefined || value === '') return undefined
  if (!(TEST_FAULTS as readonly string[]).includes(value)) throw new Error(`unknown test fault "${value}" (one of ${TEST_FAULTS.join(', ')})`)
  return value as TestFault
}
