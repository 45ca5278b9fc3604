/**
 * Faults a node can be started with, so that tests can run the network around a node that misbehaves as a
 * real process would: never set one in production. A node refuses to start with one unless
 * LATCHKEY_NODE_ALLOW_TEST_FAULTS=1 (the test harness, `startSignerNetwork`, sets it), and logs a warning.
 * - `bad-signature-share`: the node signs as usual, then sends a signature share that is off by one.
 * - `out-of-range-share`: the node sends the group order itself as its signature share (not a scalar).
 * - `bad-commitment`: the node answers commit requests with commitments that are not curve points.
 * - `bad-dkg-share`: in key generation, the node sends every other node a wrong share (encrypted and signed
 *   as a right one would be).
 * - `crash-after-nonce-mark`: the node kills itself (SIGKILL) right after it marks a signing nonce used and
 *   before it releases the share.
 */
export const TEST_FAULTS = ['bad-signature-share', 'out-of-range-share', 'bad-commitment', 'bad-dkg-share', 'crash-after-nonce-mark'] as const
export type TestFault = (typeof TEST_FAULTS)[number]

export function parseTestFault(value: string | undefined): TestFault | undefined {
  if (value === undefined || value === '') return undefined
  if (!(TEST_FAULTS as readonly string[]).includes(value)) throw new Error(`unknown test fault "${value}" (one of ${TEST_FAULTS.join(', ')})`)
  return value as TestFault
}
