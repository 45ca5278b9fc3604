import type { Address, Hex } from 'viem'
import { LatchkeyError } from './LatchkeyError.ts'

/** Which check refused a call (the same checks, in the same order, as SessionKeyManager). */
export type SessionRule =
  | 'not-yet-valid'
  | 'expired'
  | 'revoked'
  | 'not-granted'
  | 'not-installed'
  | 'call-data'
  | 'forbidden-target'
  | 'target'
  | 'selector'
  | 'value'
  | 'policy'
  | 'gas'

/**
 * A call the session does not allow (or, for a session account of several sessions, that none of them
 * allows: then `sessionDigest` and `rule` are those of the most specific refusal, and the details give every
 * session's reason). Nothing was sent.
 */
export class SessionCallRefusedError extends LatchkeyError {
  override name = 'SessionCallRefusedError'
  constructor(
    readonly sessionDigest: Hex,
    readonly callIndex: number,
    readonly rule: SessionRule,
    readonly reason: string,
    details: string[] = [],
    /** How many sessions were tried (more than one: a session account of several sessions). */
    readonly sessionCount = 1,
  ) {
    super(
      sessionCount > 1
        ? `No session of the ${sessionCount} allows call ${callIndex}: ${reason}`
        : `Session ${sessionDigest.slice(0, 10)}… refuses call ${callIndex}: ${reason}`,
      { metaMessages: [`Rule: ${rule}`, `Session: ${sessionDigest}`, ...details] },
    )
  }
}

/** The session's gas policy refuses what the userOp may cost (fee, gas, paymaster, totals). Nothing was sent. */
export class SessionGasRefusedError extends LatchkeyError {
  override name = 'SessionGasRefusedError'
  readonly rule: SessionRule = 'gas'
  constructor(
    readonly sessionDigest: Hex,
    readonly reason: string,
  ) {
    super(`Session ${sessionDigest.slice(0, 10)}… refuses the userOp's cost: ${reason}`, { metaMessages: ['Rule: gas', `Session: ${sessionDigest}`] })
  }
}

/** The session cannot be used at all right now (not granted, revoked, outside its window). Nothing was sent. */
export class SessionNotUsableError extends LatchkeyError {
  override name = 'SessionNotUsableError'
  constructor(
    readonly sessionDigest: Hex,
    readonly rule: SessionRule,
    readonly reason: string,
  ) {
    super(`Session ${sessionDigest.slice(0, 10)}… cannot be used: ${reason}`, { metaMessages: [`Rule: ${rule}`, `Session: ${sessionDigest}`] })
  }
}

/** A serialized session (JSON) that is malformed or for another chain, account or manager. */
export class SessionFormatError extends LatchkeyError {
  override name = 'SessionFormatError'
  constructor(reason: string) {
    super(`Not a usable Latchkey session: ${reason}`)
  }
}

/** The session would let a key reach the account's own configuration. */
export class UnsafeSessionError extends LatchkeyError {
  override name = 'UnsafeSessionError'
  constructor(
    readonly permissionIndex: number,
    readonly target: Address,
    reason: string,
  ) {
    super(`Permission ${permissionIndex} is unsafe: ${reason}`)
  }
}

/**
 * A session whose gas policy cannot pay for a userOp at the chain's fees now: its fee cap is below what an op
 * must offer to be included (base fee + priority fee), or its total (or per-period bound) is below one small
 * op's prefund at that fee. Refused when it is granted, approved or used, so that a bound (a default one
 * above all) never makes a session silently unusable.
 */
export class SessionGasBoundTooLowError extends LatchkeyError {
  override name = 'SessionGasBoundTooLowError'
  readonly rule: SessionRule = 'gas'
  constructor(
    readonly sessionDigest: Hex,
    /** Which bound of the gas policy: `maxFeePerGas`, `total` or `perPeriod`. */
    readonly bound: 'maxFeePerGas' | 'total' | 'perPeriod',
    readonly limit: bigint,
    /** What the chain needs now: a fee per gas (for `maxFeePerGas`), else wei for one op. */
    readonly needed: bigint,
    reason: string,
  ) {
    super(`Session ${sessionDigest.slice(0, 10)}… cannot pay for a userOp at today's fees: ${reason}`, {
      metaMessages: [
        'Rule: gas',
        `Session: ${sessionDigest}`,
        "Raise the bound (gasPolicy({ … }), or `await sessionGasBounds(client)` to derive the fee cap from the chain), or opt out explicitly with gas: 'unbounded'.",
      ],
    })
  }
}
