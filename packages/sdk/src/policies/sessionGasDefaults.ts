import { parseEther, parseGwei } from 'viem'
import { gasPolicy, type GasPolicyReturnType } from './gasPolicy.ts'

/**
 * What every session `createSession` builds may cost the account unless it is given `gas` (docs/policies.md
 * §5.1, "Default gas bounds"). Without a gas policy the session's holder, who can be its own bundler, can set
 * any fee and any preVerificationGas and be paid the account's ETH as fees. Fixed and conservative, because
 * `createSession` has no client; `sessionGasBounds(client)` derives the fee cap from the chain instead.
 *
 * - `maxFeePerGas` 200 gwei: the drain bid any fee; this stops that, yet is rarely reached by an honest op
 *   (viem offers about twice the current fee: base fees above ≈80 gwei are rare on Ethereum, its L2s ask
 *   far less). An op offering more is refused off chain until fees fall: nothing is lost. A lower cap would
 *   not protect more money (the total bounds that; each op counts the fee it offers, not the cap) and would
 *   stop honest sessions on busy days.
 * - `total` 0.05 ETH over the session's life: each self-paid op counts its largest possible cost (gas limits ×
 *   maxFeePerGas, the EntryPoint's prefund), so this is dozens of ops at a few gwei, ≈100 on a 1-gwei chain; a
 *   stolen key can burn at most this.
 * - `maxGasLimit` 30,000,000 (the summed gas limits of one op): a block's worth; above the 20M (27M with a
 *   paymaster) that Alto's gas estimation simulates with, so estimating still works. Per op, the total binds
 *   first; this bound matters when a caller raises the total.
 * - no paymaster: the account pays, and every op counts against the total. A paymaster-paid op counts nothing
 *   (GasPolicy cannot tell what a paymaster charges), and a token paymaster holding an allowance from the
 *   account charges the account all the same, so "any paymaster" would let a stolen key spend that allowance
 *   without bound. A sponsored session names its sponsor: `gasPolicy({ …, paymaster: { allow: [sponsor] } })`.
 */
export const DEFAULT_SESSION_GAS_BOUNDS = {
  maxFeePerGas: parseGwei('200'),
  total: parseEther('0.05'),
  maxGasLimit: 30_000_000n,
  paymaster: 'none',
} as const

/** The gas policy of {@link DEFAULT_SESSION_GAS_BOUNDS} (the deterministic GasPolicy module, no paymaster). */
export function defaultSessionGas(): GasPolicyReturnType {
  return gasPolicy({ ...DEFAULT_SESSION_GAS_BOUNDS })
}
