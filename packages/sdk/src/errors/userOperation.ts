import type { Hash, Hex } from 'viem'
import { LatchkeyError } from './LatchkeyError.ts'

/** The bundler took the userOp but it never reached the chain; `reason` says why, when the chain tells. */
export class UserOperationDroppedError extends LatchkeyError {
  override name = 'UserOperationDroppedError'
  constructor(
    readonly userOpHash: Hash,
    readonly reason: string | undefined,
    readonly bundlerStatus: string | undefined,
    options: { waitedMs: number; cause?: unknown },
  ) {
    super(`User operation ${userOpHash} was not included within ${options.waitedMs} ms.`, {
      metaMessages: [
        `Bundler status: ${bundlerStatus ?? 'unknown'}`,
        reason === undefined
          ? 'Replaying it against the chain does not fail now; the bundler may still include it.'
          : reason.startsWith('(')
            ? `Why: unknown ${reason}`
            : `Replaying it against the chain now fails with: ${reason}`,
      ],
      cause: options.cause,
    })
  }
}

/** The userOp was included, but its execution (the account's call) reverted. Its gas was still paid. */
export class UserOperationRevertedError extends LatchkeyError {
  override name = 'UserOperationRevertedError'
  constructor(
    readonly userOpHash: Hash,
    readonly transactionHash: Hash,
    readonly revertData: Hex | undefined,
  ) {
    super(`User operation ${userOpHash} was included but its execution reverted.`, {
      metaMessages: [`Transaction: ${transactionHash}`, `Revert data: ${revertData ?? 'none'}`],
    })
  }
}

/** Arguments that cannot form a userOp or an account (a bad address, salt, nonce key or call). */
export class InvalidParameterError extends LatchkeyError {
  override name = 'InvalidParameterError'
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`Invalid ${parameter}: ${problem}`)
  }
}
