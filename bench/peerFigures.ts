/**
 * Figures `npm run bench` does not measure, with where each comes from, for the table beside the peers.
 *
 * - **Harness run (issue 15).** Latchkey ran inside the aa-benchmarks harness (alchemyplatform/aa-benchmarks,
 *   whose published anchors it reproduced exactly) beside Biconomy v2, Kernel v2.1 and Alchemy MA v2, in one
 *   run, every account **steady**: a warm-up op of the same kind, then the measured ERC-20 transfer to a
 *   zero-balance recipient; every op tops up its prefund, as the harness does. The session case is a 2-rule
 *   call policy (recipient ==, amount ≤).
 * - **Published.** The harness's published session figures are each peer's *first* session op, not a steady
 *   one: kept as their own column, never set against a steady figure.
 */

export type PeerFigures = {
  name: string
  /** Owner ERC-20 transfer, steady, in the harness run. */
  ownerSteady: number
  /** Session ERC-20 transfer under a 2-rule call policy, steady, in the harness run. */
  sessionSteady: number
  /** The published session-key ERC-20 transfer (the first session op), when there is one. */
  sessionFirstPublished?: number
}

export const HARNESS_PEERS: PeerFigures[] = [
  { name: 'Biconomy v2 (EntryPoint v0.6), ABI session validation module', ownerSteady: 131_780, sessionSteady: 144_223, sessionFirstPublished: 147_023 },
  { name: 'Kernel v2.1 (v0.6)', ownerSteady: 133_521, sessionSteady: 150_440, sessionFirstPublished: 153_240 },
  { name: 'Alchemy Modular Account v2 (v0.7)', ownerSteady: 128_577, sessionSteady: 185_007, sessionFirstPublished: 197_295 },
]

/** Latchkey itself in the same harness run (the manager as it was then: own devnet `policy/call-2-rules` 133,058). */
export const HARNESS_LATCHKEY = { ownerSteady: 118_699, sessionSteady: 144_556, ownDevnetSessionThen: 133_058 }

/**
 * What the harness reads above this project's devnet for the same session op, beyond the prefund top-up
 * (which `npm run bench` measures itself each run): 144,556 − (133,058 + 8,839) = 2,659, from the harness
 * run. Added to a deposit-funded figure with the measured top-up, it gives the harness-equivalent.
 */
export const HARNESS_DIFFERENCE = 2_659

/**
 * Smart Sessions (Rhinestone's SmartSession with SudoPolicy and UniActionPolicy, upstream build) on Biconomy
 * Nexus 1.0.0, measured on this project's devnet with this method in issue 15's run (not re-measured by
 * `npm run bench`): a steady 2-rule session transfer, and Latchkey's on the same Nexus then.
 */
export const SMART_SESSIONS_ON_NEXUS = { sessionSteady: 170_125, sessionSteadyOwnableValidator: 182_904, latchkeyThen: 138_007, steadySignatureBytes: 98 }
