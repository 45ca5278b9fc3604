/**
 * The summed gas limits a bundler's gas estimation runs validation with (Alto's defaults: 10M verification +
 * 10M call gas, and 5M + 2M for a paymaster's validation and postOp). A session gas policy whose `maxGasLimit`
 * is below this refuses the estimation itself (GasLimitAboveLimit), so the caller must give the gas limits.
 */
export function bundlerEstimationGas(withPaymaster: boolean): bigint {
  return withPaymaster ? 27_000_000n : 20_000_000n
}
