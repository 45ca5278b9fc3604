/**
 * The one place the Solidity toolchain is pinned. The devnet starts anvil with `--hardfork` = `evmVersion`.
 *
 * - `viaIR` with 10,000 optimizer runs: the account and the modules are on every userOp's hot path, so
 *   runtime gas matters more than deployment gas (≈2k less per userOp than the legacy pipeline).
 * - `bytecodeHash: none` and no CBOR metadata: editing a comment does not move a deterministic address.
 */
export const solcVersion = '0.8.37'
export const evmVersion = 'cancun'

export const compilerSettings = {
  evmVersion,
  viaIR: true,
  optimizer: { enabled: true, runs: 10_000 },
  metadata: { bytecodeHash: 'none', appendCBOR: false },
} as const
