import type { Address, Hex } from 'viem'

/**
 * The structured form of the policy configs of docs/policies.md. Builders (`callPolicy`, `erc20Policy`,
 * `gasPolicy`) produce these; `encode…Config` turns them into the bytes the contracts read, and
 * `decode…Config` back; the off-chain evaluators and `describeSession` read them.
 */

/** One step of a parameter path (docs/policies.md §3.1). `index: 'last'` is encoded as 0xffff. */
export type PathStep =
  | { step: 'field'; index: number }
  | { step: 'enter' }
  | { step: 'element'; index: number | 'last'; words: number }
  | { step: 'dynElement'; index: number | 'last' }

/** Where a parameter is in the call's arguments. An empty path reads the first head word. */
export type ParamPath = readonly PathStep[]

/**
 * The ABI type of the word a rule tests (docs/policies.md §3.2): `word` (uint256/int256/bytes32, any word),
 * `bool` (0 or 1), `uint` of `bytes` 1–31 (address = 20), `int` of `bytes` 1–31, fixed `bytesN` of `bytes` 1–31.
 */
export type ValueType =
  | { kind: 'word' }
  | { kind: 'bool' }
  | { kind: 'uint'; bytes: number }
  | { kind: 'int'; bytes: number }
  | { kind: 'fixedBytes'; bytes: number }

export type ComparisonOperator = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'slt' | 'slte' | 'sgt' | 'sgte'

/** A condition on one word (operands as unsigned 256-bit words; signed operands in two's complement). */
export type RuleCondition =
  | { op: ComparisonOperator; value: bigint }
  | { op: 'inRange' | 'sInRange'; min: bigint; max: bigint }
  | { op: 'oneOf'; values: readonly bigint[] }
  | { op: 'bitsAll' | 'bitsAny' | 'bitsNone'; mask: bigint }
  | { op: 'sliceEq'; start: number; bytes: Hex }

export type Rule = { path: ParamPath; valueType: ValueType; condition: RuleCondition }

/** An OR group: passes when any of its rules holds. A call passes when every group passes. */
export type RuleGroup = readonly Rule[]

/** A limit kept on chain (docs/policies.md §3.4). `period` in seconds; 0 = lifetime. */
export type CallLimit =
  | { kind: 'calls'; max: bigint; period: number }
  | { kind: 'value'; max: bigint; period: number }
  | { kind: 'param'; path: ParamPath; valueType: ValueType; max: bigint; period: number }

export type CallPolicyConfig = { groups: readonly RuleGroup[]; limits: readonly CallLimit[] }

/** docs/policies.md §4. Caps of 0n mean none; no recipients = any recipient. */
export type Erc20PolicyConfig = {
  perCall: bigint
  total: bigint
  perPeriod: bigint
  period: number
  recipients: readonly Address[]
}

export type PaymasterMode = 'any' | 'none' | 'noneOrListed' | 'listed'

/** docs/policies.md §5. Bounds of 0n mean none. */
export type GasPolicyConfig = {
  maxFeePerGas: bigint
  maxGasLimit: bigint
  total: bigint
  perPeriod: bigint
  period: number
  paymasterMode: PaymasterMode
  paymasters: readonly Address[]
}

/** A limit counter as stored on chain: the period it belongs to and what was used in it. */
export type LimitUsage = { periodId: bigint; used: bigint }

/**
 * A policy contract's custom error, as the off-chain evaluators predict it: the Solidity error name and its
 * arguments (`uint256` as bigint; `address` and `bytes4` as lowercase hex).
 */
export type PolicyError = { name: string; args: readonly (bigint | string)[] }

/** A counter a passing check moves: apply `usage` to limit `limitIndex` (docs/policies.md §2). */
export type LimitUpdate = { limitIndex: number; usage: LimitUsage }

/**
 * The call (or userOp) passes. `validAfter`/`validUntil` is the window the policy returns (the intersection
 * of its periodic limits' periods; both 0 when it has none), and `usage` the counters to store, in order.
 */
export type PolicyAcceptance = { ok: true; validAfter: number; validUntil: number; usage: LimitUpdate[] }

/** The policy contract reverts with `error`; `reason` says why in a sentence. No counter moves. */
export type PolicyRefusal = { ok: false; error: PolicyError; reason: string }

/** What a policy contract does with one call (or userOp), predicted off chain. */
export type PolicyEvaluation = PolicyAcceptance | PolicyRefusal
