import type { Chain, Client, Hex, Transport } from 'viem'
import type { UserOperation } from 'viem/account-abstraction'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { describeRevert, isOutOfValidationGas, replayHandleOps, replayTime, type ReplayOutcome } from './replayHandleOps.ts'

export type SizeVerificationGasParameters = {
  /** The userOp as prepared so far (sender, nonce, callData, factory, fees). Gas fields are ignored. */
  userOperation: Omit<UserOperation<'0.7'>, 'verificationGasLimit' | 'callGasLimit' | 'preVerificationGas' | 'signature'>
  /** Produces the real signature for a userOp (called once per probe). */
  sign: (userOperation: UserOperation<'0.7'>) => Promise<Hex>
  /** Highest limit to try. Default 5,000,000. */
  maxLimit?: bigint | undefined
  /**
   * Names the rule when the EntryPoint's answer hides it (a validator revert the account replaced with its
   * own, as Safe7579 does): given the refused, signed op, returns the validator's own reason, if it can.
   */
  explainRefusal?: ((userOperation: UserOperation<'0.7'>) => Promise<string | undefined>) | undefined
}

/** Searches to within this many gas units; the margin below covers the rest. */
const PRECISION = 1_000n
/**
 * Added to the smallest limit that passes. The EntryPoint counts its own bookkeeping (copying and hashing
 * the op) against the limit, and a bundler's simulation contract spends more there than the EntryPoint
 * does (Alto's needed ≈2.5k more on a 28.5k validation); state may also change before inclusion. An
 * unused verification limit costs nothing in v0.7 (only unused execution gas is penalised), so be generous.
 */
const MARGIN_PERCENT = 20n
const MARGIN_FLOOR = 15_000n
const FIRST_UPPER_BOUND = 1_000_000n
/**
 * Probes run with zero fees, so validation skips paying the prefund: a CALL with value to the EntryPoint,
 * whose deposit slot may go from zero to non-zero (≈9k + 22.1k cold). Added back here.
 */
const PREFUND_ALLOWANCE = 35_000n

/** Validation could not be made to pass with any gas limit: the reason is the EntryPoint's. */
export class UserOperationValidationError extends LatchkeyError {
  override name = 'UserOperationValidationError'
  constructor(
    readonly code: string | undefined,
    readonly reason: string,
  ) {
    super(`The EntryPoint would reject this user operation: ${reason}`, {
      metaMessages: [
        code === 'AA24'
          ? 'The signature does not validate for this account (wrong key, or the nonce key names a validator that is not installed).'
          : code === 'AA25'
              ? 'The nonce is not the next one for its key.'
              : 'Nothing was sent.',
      ],
    })
  }
}

/**
 * The verificationGasLimit a userOp needs, measured on the real validation: the op is signed with the real
 * key and replayed through `EntryPoint.handleOps` (`eth_call`, nothing sent) at decreasing limits until the
 * smallest that passes is found (≈11 replays), then 20% (at least 15,000) and an allowance for paying the prefund (35,000) are added. Probes carry
 * zero fees, so a probe that someone submitted could pay nobody.
 *
 * Why not the bundler's figure: Alto 0.0.20 returned a fixed ≈40k for some accounts, and an op whose
 * validation needs more is accepted by the bundler and dropped later without an error.
 *
 * Throws {@link UserOperationValidationError} when validation fails for a reason other than gas (a bad
 * signature, no funds, a wrong nonce), so the caller learns it before anything is sent.
 */
export async function sizeVerificationGas(
  client: Client<Transport, Chain | undefined>,
  { userOperation, sign, maxLimit = 5_000_000n, explainRefusal }: SizeVerificationGasParameters,
): Promise<bigint> {
  const time = await replayTime(client)
  const probe = async (verificationGasLimit: bigint) => {
    // callGasLimit 0: the execution is not part of validation; its failure does not fail handleOps.
    // Fees 0: a probe is a validly signed op for the current nonce, and the RPC sees it. With no fees it
    // can pay nobody if someone submits it (at worst the nonce is used, the session's policy counters move
    // as for a real op, and the real op must be signed again). The prefund transfer it skips is covered by
    // PREFUND_ALLOWANCE.
    const op = {
      ...userOperation,
      verificationGasLimit,
      callGasLimit: 0n,
      preVerificationGas: 0n,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
      signature: '0x' as Hex,
    }
    op.signature = await sign(op)
    return { op, outcome: await replayHandleOps(client, { userOperation: op, time }) }
  }

  // Most validations need far less than a million; only if that fails for gas is the maximum tried.
  let high = maxLimit < FIRST_UPPER_BOUND ? maxLimit : FIRST_UPPER_BOUND
  let { op: firstOp, outcome: first } = await probe(high)
  // Only a failure that more gas cures is a gas failure.
  if (!first.ok && isOutOfValidationGas(first) && high < maxLimit) {
    high = maxLimit
    ;({ op: firstOp, outcome: first } = await probe(high))
  }
  if (!first.ok) throw new UserOperationValidationError(first.code, await explained(first, firstOp, explainRefusal))
  let low = 0n // fails (or untested)
  while (high - low > PRECISION) {
    const middle = (low + high) / 2n
    const { outcome } = await probe(middle)
    // It passed with more gas, so any failure here is a lack of gas, whatever the code says (a validator
    // may catch its own out-of-gas and report a bad signature).
    if (outcome.ok) high = middle
    else low = middle
  }
  const margin = (high * MARGIN_PERCENT) / 100n
  return high + (margin > MARGIN_FLOOR ? margin : MARGIN_FLOOR) + PREFUND_ALLOWANCE
}

/** The EntryPoint's reason, with the validator's own where the EntryPoint's carries no rule it can name. */
async function explained(
  outcome: Extract<ReplayOutcome, { ok: false }>,
  op: UserOperation<'0.7'>,
  explainRefusal: SizeVerificationGasParameters['explainRefusal'],
): Promise<string> {
  if (!explainRefusal || outcome.code !== 'AA23' || describeRevert(outcome.innerRevert) !== undefined) return outcome.reason
  const rule = await explainRefusal(op).catch(() => undefined)
  return rule === undefined ? outcome.reason : `${outcome.reason} (the validator's own answer: ${rule})`
}
