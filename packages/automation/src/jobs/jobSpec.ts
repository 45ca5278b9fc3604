import { isAddress, isHex, type Address, type Hex } from 'viem'
import { parseSessionGrant, type SessionGrant } from '@latchkey/sdk'
import { JobSpecError } from './jobSpecError.ts'
import { cronProblem } from './schedule.ts'
import { parseSignerNetworkSpec, type ParsedSignerNetworkSpec } from './signerNetworkSpec.ts'

export { JobSpecError }

/**
 * What a job does, as a user gives it (JSON, checked strictly by {@link parseJobSpec}): when it runs, what
 * each run sends, and under which session. Amounts are decimal strings in the token's base units.
 */
export type JobAction =
  /** Pays `amount` of `token` to `to` each run (a subscription, a salary). */
  | { type: 'recurring-payment'; token: Address; to: Address; amount: bigint }
  /** Swaps `amountIn` of `tokenIn` for `tokenOut` on a Uniswap-V3-shaped router each run, paid to the account (dollar-cost averaging). */
  | { type: 'dca'; router: Address; tokenIn: Address; tokenOut: Address; amountIn: bigint; minAmountOut: bigint; fee: number }
  /** Sends these calls each run. */
  | { type: 'calls'; calls: { to: Address; value: bigint; data: Hex }[] }

/** A watch's condition: the first word `to` answers to `data` (a view call), compared with a bound. */
export type WatchCondition = { to: Address; data: Hex } & ({ below: bigint; above?: undefined } | { above: bigint; below?: undefined })

export type JobSpec = {
  /**
   * `schedule`: a run every `everySeconds`, or at each time of the `cron` expression (UTC), the first at or
   * after `startAt` (seconds; default when added). `watch`: every `everySeconds`, read `watch` and run once
   * when it holds (`maxRuns` default 1).
   */
  kind: 'schedule' | 'watch'
  /** A schedule has this or `cron`; a watch has this (how often it reads). */
  everySeconds?: number | undefined
  /** Five fields (minute hour day-of-month month day-of-week) or six (seconds first), in UTC. */
  cron?: string | undefined
  startAt?: number | undefined
  /** Stop after this many landed runs (default: a schedule until the session stops it; a watch once). */
  maxRuns?: number | undefined
  watch?: WatchCondition | undefined
  action: JobAction
  /** The session the job sends under, as `serializeSessionGrant` writes it. */
  grant: SessionGrant
  /**
   * How runs are signed: unset, with the session key (sealed at rest by the runner); or by the signer
   * nodes of a distributed session, the runner holding only their client credential.
   */
  signer?: ParsedSignerNetworkSpec | undefined
}

const MIN_INTERVAL_SECONDS = 1
type Raw = Record<string, unknown>

function only(raw: Raw, field: string, allowed: readonly string[]) {
  const stray = Object.keys(raw).find((key) => !allowed.includes(key))
  if (stray !== undefined) throw new JobSpecError(field === '' ? stray : `${field}.${stray}`, 'is not a field of this shape (refused rather than ignored)')
}

function address(raw: Raw, field: string, path: string): Address {
  const value = raw[field]
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new JobSpecError(`${path}${field}`, `${JSON.stringify(value)} is not an address`)
  return value
}

function amount(raw: Raw, field: string, path: string, required = true): bigint {
  const value = raw[field]
  if (value === undefined && !required) return 0n
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new JobSpecError(`${path}${field}`, `${JSON.stringify(value)} is not a decimal amount (a string of digits, base units)`)
  return BigInt(value)
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw new JobSpecError(field, `${JSON.stringify(value)} is not a positive whole number`)
  return value
}

function parseAction(raw: unknown): JobAction {
  if (raw === null || typeof raw !== 'object') throw new JobSpecError('action', 'missing')
  const action = raw as Raw
  switch (action.type) {
    case 'recurring-payment':
      only(action, 'action', ['type', 'token', 'to', 'amount'])
      return { type: 'recurring-payment', token: address(action, 'token', 'action.'), to: address(action, 'to', 'action.'), amount: amount(action, 'amount', 'action.') }
    case 'dca': {
      only(action, 'action', ['type', 'router', 'tokenIn', 'tokenOut', 'amountIn', 'minAmountOut', 'fee'])
      const fee = action.fee === undefined ? 3000 : positiveInteger(action.fee, 'action.fee')
      return {
        type: 'dca',
        router: address(action, 'router', 'action.'),
        tokenIn: address(action, 'tokenIn', 'action.'),
        tokenOut: address(action, 'tokenOut', 'action.'),
        amountIn: amount(action, 'amountIn', 'action.'),
        minAmountOut: amount(action, 'minAmountOut', 'action.', false),
        fee,
      }
    }
    case 'calls': {
      only(action, 'action', ['type', 'calls'])
      if (!Array.isArray(action.calls) || action.calls.length === 0) throw new JobSpecError('action.calls', 'a non-empty list of calls')
      return {
        type: 'calls',
        calls: action.calls.map((call: unknown, i) => {
          const c = (call ?? {}) as Raw
          only(c, `action.calls[${i}]`, ['to', 'value', 'data'])
          const data = c.data ?? '0x'
          if (typeof data !== 'string' || !isHex(data)) throw new JobSpecError(`action.calls[${i}].data`, 'not hex')
          return { to: address(c, 'to', `action.calls[${i}].`), value: amount(c, 'value', `action.calls[${i}].`, false), data }
        }),
      }
    }
    default:
      throw new JobSpecError('action.type', `${JSON.stringify(action.type)} is not recurring-payment, dca or calls`)
  }
}

function parseWatch(raw: unknown): WatchCondition {
  if (raw === null || typeof raw !== 'object') throw new JobSpecError('watch', 'a watch job needs { to, data, below | above }')
  const watch = raw as Raw
  only(watch, 'watch', ['to', 'data', 'below', 'above'])
  if (typeof watch.data !== 'string' || !isHex(watch.data) || watch.data.length < 10) throw new JobSpecError('watch.data', 'the calldata of a view function, hex')
  const to = address(watch, 'to', 'watch.')
  if ((watch.below === undefined) === (watch.above === undefined)) throw new JobSpecError('watch', 'give exactly one of below and above')
  return watch.below !== undefined ? { to, data: watch.data, below: amount(watch, 'below', 'watch.') } : { to, data: watch.data, above: amount(watch, 'above', 'watch.') }
}

/** A schedule's `everySeconds` or `cron` (exactly one); a watch's `everySeconds`. */
function parseTiming(raw: Raw): { everySeconds?: number; cron?: string } {
  if (raw.cron !== undefined) {
    if (raw.kind === 'watch') throw new JobSpecError('cron', 'a watch reads every `everySeconds`; a cron expression is for a schedule')
    if (raw.everySeconds !== undefined) throw new JobSpecError('cron', 'give everySeconds or cron, not both')
    if (typeof raw.cron !== 'string') throw new JobSpecError('cron', 'a cron expression (a string)')
    const problem = cronProblem(raw.cron)
    if (problem) throw new JobSpecError('cron', problem)
    return { cron: raw.cron.trim() }
  }
  const everySeconds = positiveInteger(raw.everySeconds, 'everySeconds')
  if (everySeconds < MIN_INTERVAL_SECONDS) throw new JobSpecError('everySeconds', `at least ${MIN_INTERVAL_SECONDS}`)
  return { everySeconds }
}

/** Reads a job spec, refusing anything unknown or malformed with the field ({@link JobSpecError}). */
export function parseJobSpec(input: unknown): JobSpec {
  if (input === null || typeof input !== 'object') throw new JobSpecError('spec', 'not an object')
  const raw = input as Raw
  only(raw, '', ['kind', 'everySeconds', 'cron', 'startAt', 'maxRuns', 'watch', 'action', 'grant', 'signer'])
  if (raw.kind !== 'schedule' && raw.kind !== 'watch') throw new JobSpecError('kind', `${JSON.stringify(raw.kind)} is not a kind this runner has (schedule, watch)`)
  if (raw.kind === 'schedule' && raw.watch !== undefined) throw new JobSpecError('watch', 'only a watch job has one')
  const watch = raw.kind === 'watch' ? parseWatch(raw.watch) : undefined
  const { everySeconds, cron } = parseTiming(raw)
  const startAt = raw.startAt === undefined ? undefined : positiveInteger(raw.startAt, 'startAt')
  const maxRuns = raw.maxRuns === undefined ? undefined : positiveInteger(raw.maxRuns, 'maxRuns')
  let parsed: ReturnType<typeof parseSessionGrant>
  try {
    parsed = parseSessionGrant(typeof raw.grant === 'string' ? raw.grant : JSON.stringify(raw.grant))
  } catch (error) {
    throw new JobSpecError('grant', (error as Error).message)
  }
  // A key inside a spec would be stored with it, in the clear: it is given apart, and sealed.
  if (parsed.privateKey !== undefined) throw new JobSpecError('grant.privateKey', 'a spec never carries a key: give it apart (sealed over the API)')
  const grant: SessionGrant = parsed.grant
  const signer = raw.signer === undefined ? undefined : parseSignerNetworkSpec(raw.signer)
  if (signer && signer.signerKey.toLowerCase() !== grant.session.signer.toLowerCase()) {
    throw new JobSpecError('signer.groupPublicKey', "its key is not the session's signer")
  }
  return { kind: raw.kind, ...(everySeconds !== undefined ? { everySeconds } : { cron }), startAt, maxRuns, watch, action: parseAction(raw.action), grant, ...(signer ? { signer } : {}) }
}
