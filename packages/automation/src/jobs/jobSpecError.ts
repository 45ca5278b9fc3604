/** A job spec that cannot be run: which field, and why. Nothing was stored. */
export class JobSpecError extends Error {
  override name = 'JobSpecError'
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid job ${field}: ${problem}`)
  }
}
