/**
 * The base of every error the Latchkey SDK throws, shaped like viem's `BaseError`: a one-line
 * `shortMessage` (what went wrong), optional `details` (why, from the chain or the bundler),
 * `metaMessages` (the facts that help: which account, which rule, which call) and the `cause`.
 *
 * Catch a specific subclass (`error instanceof UserOperationDroppedError`) or walk `cause` with
 * {@link LatchkeyError.walk}.
 */
export type LatchkeyErrorParameters = {
  details?: string | undefined
  metaMessages?: string[] | undefined
  cause?: unknown
}

export class LatchkeyError extends Error {
  override name = 'LatchkeyError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: string[] | undefined

  constructor(shortMessage: string, parameters: LatchkeyErrorParameters = {}) {
    const lines = [shortMessage]
    if (parameters.metaMessages?.length) lines.push('', ...parameters.metaMessages)
    if (parameters.details) lines.push('', `Details: ${parameters.details}`)
    super(lines.join('\n'), parameters.cause === undefined ? undefined : { cause: parameters.cause })
    this.shortMessage = shortMessage
    this.details = parameters.details
    this.metaMessages = parameters.metaMessages
  }

  /** The first error in the `cause` chain (this one included) for which `predicate` holds. */
  walk(predicate: (error: unknown) => boolean): unknown {
    let error: unknown = this
    while (error !== undefined && error !== null) {
      if (predicate(error)) return error
      error = (error as { cause?: unknown }).cause
    }
    return undefined
  }
}
