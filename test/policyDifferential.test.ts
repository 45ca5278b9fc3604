/**
 * Differential property test: the SDK's off-chain twins (evaluateCallPolicy, evaluateErc20Policy,
 * evaluateGasPolicy, evaluateStreamPolicy) and the DEPLOYED CallPolicy / Erc20Policy / GasPolicy / StreamPolicy, called with eth_call (not through the bundler), must give the same
 * verdict on every case: the same acceptance with the same validation data, or the same custom error with
 * the same arguments.
 *
 * Cases are random policies (rules on real parameters and on random paths, every operator and value type,
 * OR groups, limits with periods) over random calldata: valid ABI encodings of a few real function shapes
 * (static tuples, dynamic arrays, dynamic tuples, nested arrays, bytes, signed ints), the same with
 * mutations (cut short, offsets and lengths pointing anywhere, dirty high bits, random words), pure random
 * bytes, and corrupted configs. LATCHKEY_FUZZ_CASES sets the number of CallPolicy cases (default 10,000;
 * the run, its accept/reject split and its share of malformed inputs are printed).
 *
 * A control shows the harness can fail: a checker with a deliberately broken LTE rule disagrees.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  concat,
  erc20Abi,
  createPublicClient,
  decodeErrorResult,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  keccak256,
  numberToHex,
  parseAbiParameters,
  toFunctionSelector,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { entryPoint07Address, getUserOperationHash, toPackedUserOperation } from 'viem/account-abstraction'
import { callPolicyAbi, erc20PolicyAbi, gasPolicyAbi, sessionKeyManagerAbi, streamPolicyAbi } from '@latchkey/contracts'
import {
  ANY_SELECTOR,
  encodeExecute,
  encodeSessionSignature,
  sessionDigest,
  buildSessionTree,
  sessionSigningHash,
  type Session,
  decodeCallPolicyConfig,
  encodeCallPolicyConfig,
  encodeErc20PolicyConfig,
  encodeGasPolicyConfig,
  evaluateCallPolicy,
  evaluateErc20Policy,
  evaluateGasPolicy,
  evaluateStreamPolicy,
  encodeStreamPolicyConfig,
  type CallLimit,
  type CallPolicyConfig,
  type ParamPath,
  type PolicyEvaluation,
  type Rule,
  type RuleCondition,
  type ValueType,
} from '@latchkey/sdk'
import { CalldataReader } from '../packages/sdk/src/policies/calldataReader.ts'
import { walkParamPath } from '../packages/sdk/src/policies/paramPath.ts'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

const CASES = Number(process.env.LATCHKEY_FUZZ_CASES ?? 10_000)
const SEED = Number(process.env.LATCHKEY_FUZZ_SEED ?? 20261126)

let devnet: DevnetFixture
let client: PublicClient
before(async () => {
  devnet = await useDevnet()
  // JSON-RPC batches keep 10,000 eth_calls to a few seconds.
  client = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl, { batch: { batchSize: 200 } }) }) as PublicClient
})

// ------------------------------------------------------------------ function shapes and where their parameters are

type Leaf = { path: ParamPath; valueType: ValueType; bytes?: true }
type Shape = { selector: Hex; params: string; leaves: Leaf[]; args: fc.Arbitrary<readonly unknown[]> }

const word: ValueType = { kind: 'word' }
const uint = (bytes: number): ValueType => ({ kind: 'uint', bytes })
const int = (bytes: number): ValueType => ({ kind: 'int', bytes })
const fixedBytes = (bytes: number): ValueType => ({ kind: 'fixedBytes', bytes })
const field = (index: number) => ({ step: 'field', index }) as const
const enter = { step: 'enter' } as const
const element = (index: number | 'last', words = 1) => ({ step: 'element', index, words }) as const
const dynElement = (index: number | 'last') => ({ step: 'dynElement', index }) as const

const address = fc.constantFrom<Address>('0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222', '0x00000000000000000000000000000000000000ff')
const uintN = (bits: number) => fc.bigInt({ min: 0n, max: (1n << BigInt(bits)) - 1n })
const intN = (bits: number) => fc.bigInt({ min: -(1n << BigInt(bits - 1)), max: (1n << BigInt(bits - 1)) - 1n })
const smallUint = fc.oneof(fc.bigInt({ min: 0n, max: 300n }), uintN(256))
const hexBytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex)

const shapes: Shape[] = [
  {
    // Uniswap-V3-style exactInputSingle: one static tuple.
    selector: toFunctionSelector('exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))'),
    params: '(address,address,uint24,address,uint256,uint256,uint160)',
    leaves: [
      { path: [field(0)], valueType: uint(20) },
      { path: [field(1)], valueType: uint(20) },
      { path: [field(2)], valueType: uint(3) },
      { path: [field(3)], valueType: uint(20) },
      { path: [field(4)], valueType: word },
      { path: [field(5)], valueType: word },
      { path: [field(6)], valueType: uint(20) },
    ],
    args: fc.tuple(fc.tuple(address, address, fc.integer({ min: 0, max: 2 ** 24 - 1 }), address, smallUint, smallUint, uintN(160))),
  },
  {
    // Uniswap-V2-style swapExactTokensForTokens: a dynamic address array.
    selector: toFunctionSelector('swapExactTokensForTokens(uint256,uint256,address[],address,uint256)'),
    params: 'uint256,uint256,address[],address,uint256',
    leaves: [
      { path: [field(0)], valueType: word },
      { path: [field(1)], valueType: word },
      { path: [field(2), enter], valueType: word },
      { path: [field(2), enter, element(0)], valueType: uint(20) },
      { path: [field(2), enter, element(1)], valueType: uint(20) },
      { path: [field(2), enter, element('last')], valueType: uint(20) },
      { path: [field(3)], valueType: uint(20) },
      { path: [field(4)], valueType: word },
    ],
    args: fc.tuple(smallUint, smallUint, fc.array(address, { maxLength: 4 }), address, smallUint),
  },
  {
    // A game move: two uint8.
    selector: toFunctionSelector('move(uint8,uint8)'),
    params: 'uint8,uint8',
    leaves: [
      { path: [field(0)], valueType: uint(1) },
      { path: [field(1)], valueType: uint(1) },
    ],
    args: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
  },
  {
    // Everything else: signed ints, bytes, a dynamic tuple array, a nested array, bytesN, bool.
    selector: toFunctionSelector('kitchen(int8,bytes,(uint256,bytes)[],uint256[][],bytes4,bool,int256)'),
    params: 'int8,bytes,(uint256,bytes)[],uint256[][],bytes4,bool,int256',
    leaves: [
      { path: [field(0)], valueType: int(1) },
      { path: [field(1), enter], valueType: word, bytes: true },
      { path: [field(2), enter], valueType: word },
      { path: [field(2), enter, dynElement(0), field(0)], valueType: word },
      { path: [field(2), enter, dynElement('last'), field(1), enter], valueType: word, bytes: true },
      { path: [field(3), enter, dynElement(0), element('last')], valueType: word },
      { path: [field(3), enter, dynElement('last'), enter], valueType: word },
      { path: [field(4)], valueType: fixedBytes(4) },
      { path: [field(5)], valueType: { kind: 'bool' } },
      { path: [field(6)], valueType: word },
    ],
    args: fc.tuple(
      intN(8).map(Number),
      hexBytes(40),
      fc.array(fc.tuple(smallUint, hexBytes(24)), { maxLength: 3 }),
      fc.array(fc.array(smallUint, { maxLength: 3 }), { maxLength: 3 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex),
      fc.boolean(),
      intN(256),
    ),
  },
]

// ------------------------------------------------------------------ calldata: valid, mutated, random

type Calldata = { data: Hex; malformed: boolean }

const MAX = (1n << 256n) - 1n
const toWordHex = (v: bigint) => numberToHex(v & MAX, { size: 32 }).slice(2)

/** Overwrites the 32-byte word at byte `at` (clipped to the data). */
function putWord(data: Hex, at: number, value: bigint): Hex {
  const body = data.slice(2)
  const start = Math.min(at * 2, body.length)
  const replaced = `${body.slice(0, start)}${toWordHex(value)}`.slice(0, Math.max(body.length, start + 64))
  return `0x${replaced}${body.slice(start + 64)}` as Hex
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), value: fc.oneof(fc.bigInt({ min: 0n, max: 600n }), uintN(256), fc.constant(MAX), fc.constant(1n << 255n)) }),
  fc.record({ kind: fc.constant('dirty' as const), at: fc.nat() }),
)

function validCalldata(shape: Shape, args: readonly unknown[]): Hex {
  return concat([shape.selector, encodeAbiParameters(parseAbiParameters(shape.params), args as never)])
}

const calldataArb = (shape: Shape): fc.Arbitrary<Calldata> =>
  fc.oneof(
    { weight: 6, arbitrary: shape.args.map((args) => ({ data: validCalldata(shape, args), malformed: false })) },
    {
      weight: 4,
      arbitrary: fc.tuple(shape.args, fc.array(mutation, { minLength: 1, maxLength: 2 })).map(([args, mutations]) => {
        let data = validCalldata(shape, args)
        for (const m of mutations) {
          const length = (data.length - 2) / 2
          if (m.kind === 'cut') data = data.slice(0, 2 + 2 * (m.keep % (length + 1))) as Hex
          else if (m.kind === 'word') data = putWord(data, 4 + 32 * (m.at % Math.max(1, Math.floor((length - 4) / 32))), m.value)
          else {
            const at = 4 + 32 * (m.at % Math.max(1, Math.floor((length - 4) / 32)))
            data = `0x${data.slice(2, 2 + 2 * at)}${'ab'.repeat(Math.min(12, Math.max(0, length - at)))}${data.slice(2 + 2 * (at + 12))}` as Hex
          }
        }
        return { data, malformed: true }
      }),
    },
    { weight: 1, arbitrary: hexBytes(200).map((bytes) => ({ data: concat([shape.selector, bytes]), malformed: true })) },
  )

// ------------------------------------------------------------------ policies: rules near the real values

const valueTypeArb: fc.Arbitrary<ValueType> = fc.oneof(
  fc.constant(word),
  fc.constant({ kind: 'bool' } as const),
  fc.integer({ min: 1, max: 31 }).map(uint),
  fc.integer({ min: 1, max: 31 }).map(int),
  fc.integer({ min: 1, max: 31 }).map(fixedBytes),
)
const randomPath: fc.Arbitrary<ParamPath> = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 8 }).map(field),
    fc.constant(enter),
    fc.tuple(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('last' as const)), fc.integer({ min: 1, max: 3 })).map(([i, w]) => element(i, w)),
    fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('last' as const)).map(dynElement),
  ),
  { maxLength: 4 },
)

/** The word at the end of `path` in `data` (or a random word when there is none), to put operands near it. */
function valueAt(data: Hex, path: ParamPath): bigint | undefined {
  const reader = new CalldataReader(data)
  const cursor = walkParamPath(reader, path)
  return cursor === undefined ? undefined : reader.word(cursor)
}

const near = (v: bigint | undefined) =>
  fc.oneof(
    fc.constant(v ?? 0n),
    fc.constant(((v ?? 0n) + 1n) & MAX),
    fc.constant(((v ?? 0n) - 1n) & MAX),
    uintN(256),
    fc.constant(0n),
    fc.constant(MAX),
  )

function conditionArb(v: bigint | undefined, isBytes: boolean, data: Hex, path: ParamPath): fc.Arbitrary<RuleCondition> {
  const sliceOf = () => {
    const reader = new CalldataReader(data)
    const cursor = walkParamPath(reader, path)
    const length = cursor === undefined ? undefined : reader.word(cursor)
    if (cursor === undefined || length === undefined || length > 200n) return fc.constant({ op: 'sliceEq', start: 0, bytes: '0x' } as RuleCondition)
    const bytes = reader.slice(cursor + 32n, length) ?? new Uint8Array()
    return fc.tuple(fc.integer({ min: 0, max: Math.max(0, bytes.length) }), fc.integer({ min: 0, max: 24 }), fc.boolean()).map(([start, size, exact]) => {
      const taken = bytes.subarray(start, start + size)
      const chosen = exact || taken.length === 0 ? taken : Uint8Array.from(taken, (b, i) => (i === 0 ? b ^ 1 : b))
      return { op: 'sliceEq', start, bytes: `0x${Buffer.from(chosen).toString('hex')}` } as RuleCondition
    })
  }
  const comparisons = fc
    .tuple(fc.constantFrom('eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'slt', 'slte', 'sgt', 'sgte'), near(v))
    .map(([op, value]) => ({ op, value }) as RuleCondition)
  const others: fc.Arbitrary<RuleCondition> = fc.oneof(
    fc.tuple(fc.constantFrom('inRange' as const, 'sInRange' as const), near(v), near(v)).map(([op, min, max]) => ({ op, min, max })),
    fc.array(near(v), { minLength: 1, maxLength: 4 }).map((values) => ({ op: 'oneOf' as const, values })),
    fc.tuple(fc.constantFrom('bitsAll' as const, 'bitsAny' as const, 'bitsNone' as const), fc.oneof(near(v), uintN(8))).map(([op, mask]) => ({ op, mask })),
  )
  return isBytes ? fc.oneof(sliceOf(), comparisons) : fc.oneof({ weight: 3, arbitrary: comparisons }, { weight: 2, arbitrary: others }, { weight: 1, arbitrary: sliceOf() })
}

function ruleArb(shape: Shape, data: Hex): fc.Arbitrary<Rule> {
  const leafRule = fc.constantFrom(...shape.leaves).chain((leaf) =>
    fc.tuple(conditionArb(valueAt(data, leaf.path), leaf.bytes === true, data, leaf.path), fc.oneof({ weight: 4, arbitrary: fc.constant(leaf.valueType) }, { weight: 1, arbitrary: valueTypeArb })).map(
      ([condition, valueType]) => ({ path: leaf.path, valueType: condition.op === 'sliceEq' ? word : valueType, condition }),
    ),
  )
  const randomRule = randomPath.chain((path) =>
    fc.tuple(conditionArb(valueAt(data, path), false, data, path), valueTypeArb).map(([condition, valueType]) => ({ path, valueType: condition.op === 'sliceEq' ? word : valueType, condition })),
  )
  return fc.oneof({ weight: 5, arbitrary: leafRule }, { weight: 1, arbitrary: randomRule })
}

function limitArb(shape: Shape): fc.Arbitrary<CallLimit> {
  const amounts = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), uintN(256))
  const period = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 }))
  return fc.oneof(
    fc.tuple(amounts, period).map(([max, p]) => ({ kind: 'calls' as const, max, period: p })),
    fc.tuple(amounts, period).map(([max, p]) => ({ kind: 'value' as const, max, period: p })),
    fc.tuple(fc.constantFrom(...shape.leaves.filter((l) => l.valueType.kind === 'word' || l.valueType.kind === 'uint')), amounts, period).map(([leaf, max, p]) => ({
      kind: 'param' as const,
      path: leaf.path,
      valueType: leaf.valueType,
      max,
      period: p,
    })),
  )
}

/** A counter as stored before the call (both sides start from it: the chain by a state override). */
type StoredUsage = { periodId: bigint; used: bigint }

type Case = { data: Hex; config: Hex; value: bigint; declaredTime: number; usages: StoredUsage[]; malformedData: boolean; malformedConfig: boolean }

const USED_MASK = (1n << 208n) - 1n

/** A stored counter for a limit: its period the current one, the one before or after (a past declared period), or none; used near the max. */
const storedUsageArb = (limit: CallLimit, declaredTime: number): fc.Arbitrary<StoredUsage> => {
  const current = limit.period === 0 ? 0n : BigInt(Math.floor(declaredTime / limit.period))
  return fc.record({
    periodId: fc.constantFrom(current, current > 0n ? current - 1n : 0n, current + 1n, 0n),
    // A stored `used` has 208 bits (more cannot be stored).
    used: fc.oneof(fc.constant(0n), fc.constant(limit.max), limit.max > 0n ? fc.constant(limit.max - 1n) : fc.constant(0n), fc.bigInt({ min: 0n, max: USED_MASK })).map((used) => used & USED_MASK),
  })
}

const caseArb: fc.Arbitrary<Case> = fc
  .constantFrom(...shapes)
  .chain((shape) => calldataArb(shape).map((calldata) => ({ shape, calldata })))
  .chain(({ shape, calldata }) =>
    fc
      .record({
        groups: fc.array(fc.array(ruleArb(shape, calldata.data), { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
        limits: fc.array(limitArb(shape), { maxLength: 2 }),
        value: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2000n })),
        declaredTime: fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
        corrupt: fc.oneof({ weight: 11, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()) }),
      })
      .chain((parts) =>
        fc
          .oneof({ weight: 1, arbitrary: fc.constant([] as StoredUsage[]) }, { weight: 2, arbitrary: fc.tuple(...parts.limits.map((limit) => storedUsageArb(limit, parts.declaredTime))) })
          .map((usages) => ({ ...parts, usages })),
      )
      .map(({ groups, limits, value, declaredTime, corrupt, usages }) => {
        let config = encodeCallPolicyConfig({ groups, limits } satisfies CallPolicyConfig)
        if (corrupt) {
          const [at, byte, cut] = corrupt
          const length = (config.length - 2) / 2
          const i = at % Math.max(1, length)
          config = (cut ? config.slice(0, 2 + 2 * i) : `${config.slice(0, 2 + 2 * i)}${byte.toString(16).padStart(2, '0')}${config.slice(4 + 2 * i)}`) as Hex
        }
        return { data: calldata.data, config, value, declaredTime, usages, malformedData: calldata.malformed, malformedConfig: corrupt !== null }
      }),
  )

// ------------------------------------------------------------------ both sides

type Verdict = { ok: true; validationData: bigint } | { ok: false; error: string }

const MANAGER: Address = '0x000000000000000000000000000000000000beef'
const ACCOUNT: Address = '0x000000000000000000000000000000000000a11c'
const DIGEST: Hex = `0x${'5e'.repeat(32)}`

function offChainVerdict(result: PolicyEvaluation): Verdict {
  if (!result.ok) return { ok: false, error: `${result.error.name}(${result.error.args.map((a) => String(a).toLowerCase()).join(',')})` }
  return { ok: true, validationData: (BigInt(result.validUntil) << 160n) | (BigInt(result.validAfter) << 208n) }
}

async function onChainVerdict(
  to: Address,
  data: Hex,
  abi: typeof callPolicyAbi | typeof erc20PolicyAbi | typeof gasPolicyAbi | typeof streamPolicyAbi,
  stateDiff: { slot: Hex; value: Hex }[] = [],
): Promise<Verdict> {
  try {
    const { data: returned } = await client.call({ to, data, account: MANAGER, ...(stateDiff.length ? { stateOverride: [{ address: to, stateDiff }] } : {}) })
    return { ok: true, validationData: BigInt(returned ?? '0x0') }
  } catch (error) {
    const raw = findRevertData(error)
    if (raw === undefined) throw error
    if (raw === '0x') return { ok: false, error: 'empty revert' }
    const decoded = decodeErrorResult({ abi, data: raw })
    return { ok: false, error: `${decoded.errorName}(${(decoded.args ?? []).map((a) => String(a).toLowerCase()).join(',')})` }
  }
}

function findRevertData(error: unknown): Hex | undefined {
  let e: any = error
  while (e) {
    if (typeof e.data === 'string' && e.data.startsWith('0x')) return e.data as Hex
    if (typeof e.data?.data === 'string') return e.data.data as Hex
    e = e.cause
  }
  return undefined
}

/**
 * The storage slot of a counter in a policy module: `_counters` is its first variable (slot 0), keyed
 * `id => account` with `id = keccak256(abi.encode(manager, digest, permissionIndex, limitIndex))`.
 */
function counterSlot(limitIndex: number): Hex {
  const id = keccak256(encodeAbiParameters(parseAbiParameters('address,bytes32,uint256,uint256'), [MANAGER, DIGEST, 0n, BigInt(limitIndex)]))
  const inner = keccak256(encodeAbiParameters(parseAbiParameters('bytes32,uint256'), [id, 0n]))
  return keccak256(encodeAbiParameters(parseAbiParameters('address,bytes32'), [ACCOUNT, inner]))
}

const counterOverrides = (usages: StoredUsage[]) =>
  usages.map((u, i) => ({ slot: counterSlot(i), value: numberToHex((u.periodId << 208n) | u.used, { size: 32 }) }))

const callPolicyCall = (c: Case) =>
  encodeFunctionData({ abi: callPolicyAbi, functionName: 'checkCall', args: [ACCOUNT, DIGEST, 0n, c.declaredTime, devnet.contracts.demoCounter, c.value, c.data, c.config] })

type Tally = {
  cases: number
  accepted: number
  rejected: number
  malformedData: number
  malformedConfig: number
  /** Refused by a counter (a limit exceeded, or a past period) that started from a stored value. */
  counterRefusals: number
  mismatches: { c: Case; chain: Verdict; sdk: Verdict }[]
}

async function runCallPolicyCases(cases: Case[], evaluate: typeof evaluateCallPolicy): Promise<Tally> {
  const tally: Tally = { cases: 0, accepted: 0, rejected: 0, malformedData: 0, malformedConfig: 0, counterRefusals: 0, mismatches: [] }
  const chunk = 500
  for (let i = 0; i < cases.length; i += chunk) {
    const part = cases.slice(i, i + chunk)
    const chain = await Promise.all(part.map((c) => onChainVerdict(devnet.contracts.callPolicy, callPolicyCall(c), callPolicyAbi, counterOverrides(c.usages))))
    part.forEach((c, j) => {
      const usage = (limitIndex: number) => c.usages[limitIndex] ?? { periodId: 0n, used: 0n }
      const sdk = offChainVerdict(evaluate({ config: c.config, data: c.data, value: c.value, declaredTime: c.declaredTime, usage }))
      tally.cases++
      if (chain[j]!.ok) tally.accepted++
      else tally.rejected++
      if (c.malformedData) tally.malformedData++
      if (c.malformedConfig) tally.malformedConfig++
      const verdict = chain[j]!
      if (!verdict.ok && c.usages.length > 0 && /^Policy(LimitExceeded|PeriodPast)/.test(verdict.error)) tally.counterRefusals++
      if (JSON.stringify(chain[j], (_, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(sdk, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) {
        tally.mismatches.push({ c, chain: chain[j]!, sdk })
      }
    })
  }
  return tally
}

const percent = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`
const show = (m: Tally['mismatches'][number]) =>
  JSON.stringify({ ...m, c: { ...m.c, config: m.c.config, data: m.c.data } }, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)

describe('differential: off-chain checker vs deployed policies (eth_call)', () => {
  it(`CallPolicy: ${CASES} random policies × calldata agree with the deployed module`, async (t) => {
    const cases = fc.sample(caseArb, { numRuns: CASES, seed: SEED })
    const tally = await runCallPolicyCases(cases, evaluateCallPolicy)
    t.diagnostic(
      `CallPolicy: ${tally.cases} cases (seed ${SEED}); chain accepted ${tally.accepted} (${percent(tally.accepted, tally.cases)}), ` +
        `rejected ${tally.rejected} (${percent(tally.rejected, tally.cases)}); malformed calldata ${percent(tally.malformedData, tally.cases)}, ` +
        `corrupted config ${percent(tally.malformedConfig, tally.cases)}; refused by a stored counter ${tally.counterRefusals}; mismatches ${tally.mismatches.length}`,
    )
    assert.equal(tally.mismatches.length, 0, tally.mismatches.slice(0, 3).map(show).join('\n'))
    // Both verdicts must be well represented, or the test proves little.
    assert.ok(tally.accepted > tally.cases * 0.15, `only ${tally.accepted} accepted`)
    assert.ok(tally.rejected > tally.cases * 0.15, `only ${tally.rejected} rejected`)
    assert.ok(tally.malformedData > tally.cases * 0.2, `only ${tally.malformedData} with malformed calldata`)
    assert.ok(tally.counterRefusals > tally.cases * 0.02, `only ${tally.counterRefusals} refused by a stored counter`)
  })

  it(`CallPolicy rules built into the manager: ${Math.min(CASES, 2_000)} cases through validateUserOp agree with the off-chain twin`, async (t) => {
    // Each case becomes a session (any function of one target, the case's config, the manager as its
    // policy) granted by a root set with a state override, and a userOp making the case's call, signed by
    // the session key; the manager's verdict (eth_call of validateUserOp from the account, the case's
    // counters stored in the manager by a state override) must be the twin's.
    const manager = devnet.contracts.sessionKeyManager
    const account: Address = '0x000000000000000000000000000000000000a12c'
    const key = privateKeyToAccount(keccak256(numberToHex(20261126n)))
    // SessionKeyManager's storage: the counters (slot 0), the accounts (1: the root word first), the records (2).
    const slotOf = (key_: Hex, slot: bigint) => keccak256(encodeAbiParameters(parseAbiParameters('bytes32,uint256'), [key_, slot]))
    const accountKey = (a: Address) => encodeAbiParameters(parseAbiParameters('address'), [a])
    const all = fc.sample(caseArb, { numRuns: Math.min(CASES, 2_000), seed: SEED + 7 })
    // The manager checks the function (any, so 4 bytes of calldata or more) before the policy.
    const cases = all.filter((c) => (c.data.length - 2) / 2 >= 4)
    let accepted = 0
    const mismatches: string[] = []
    const chunk = 250
    for (let i = 0; i < cases.length; i += chunk) {
      const part = cases.slice(i, i + chunk)
      const verdicts = await Promise.all(
        part.map(async (c, j) => {
          const session: Session = {
            signerVerifier: '0x0000000000000000000000000000000000000000',
            signer: key.address,
            validAfter: 0,
            validUntil: 0,
            permissions: [{ target: devnet.contracts.demoCounter, selector: ANY_SELECTOR, valueLimit: (1n << 128n) - 1n, policy: manager, policyConfig: c.config }],
            gasPolicy: '0x0000000000000000000000000000000000000000',
            gasPolicyConfig: '0x',
            salt: keccak256(numberToHex(i + j)),
          }
          const digest = sessionDigest(session)
          const grant = { chainId: devnet.chainId, account, manager, session, digest, grant: { type: 'root' as const, root: buildSessionTree([digest]).root, proof: [] } }
          const op = {
            sender: account,
            nonce: 0n,
            callData: encodeExecute([{ to: devnet.contracts.demoCounter, value: c.value, data: c.data }]),
            callGasLimit: 1n,
            verificationGasLimit: 1n,
            preVerificationGas: 1n,
            maxFeePerGas: 1n,
            maxPriorityFeePerGas: 1n,
            signature: '0x' as Hex,
          }
          const userOpHash = getUserOperationHash({ chainId: devnet.chainId, entryPointAddress: entryPoint07Address, entryPointVersion: '0.7', userOperation: op })
          const signed = await key.signMessage({ message: { raw: sessionSigningHash(userOpHash, digest, [0], c.declaredTime) } })
          op.signature = encodeSessionSignature(grant, 'root', [0], c.declaredTime, signed)
          const counters = c.usages.map((u, limitIndex) => {
            const id = keccak256(encodeAbiParameters(parseAbiParameters('address,bytes32,uint256,uint256'), [manager, digest, 0n, BigInt(limitIndex)]))
            return { slot: keccak256(concat([accountKey(account), slotOf(id, 0n)])), value: numberToHex((u.periodId << 208n) | u.used, { size: 32 }) }
          })
          // A tree of one: the root is the leaf with its last byte cleared (no flag: never revoked one by one).
          const root = { slot: keccak256(concat([accountKey(account), numberToHex(1n, { size: 32 })])), value: grant.grant.root }
          let chain: Verdict
          try {
            const { data: returned } = await client.call({
              to: manager,
              account,
              data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'validateUserOp', args: [toPackedUserOperation(op), userOpHash] }),
              stateOverride: [{ address: manager, stateDiff: [root, ...counters] }],
            })
            chain = { ok: true, validationData: BigInt(returned ?? '0x0') }
          } catch (error) {
            const raw = findRevertData(error)
            if (raw === undefined) throw error
            const decoded = decodeErrorResult({ abi: sessionKeyManagerAbi, data: raw })
            chain = { ok: false, error: `${decoded.errorName}(${(decoded.args ?? []).map((a) => String(a).toLowerCase()).join(',')})` }
          }
          const usage = (limitIndex: number) => c.usages[limitIndex] ?? { periodId: 0n, used: 0n }
          const sdk = offChainVerdict(evaluateCallPolicy({ config: c.config, data: c.data, value: c.value, declaredTime: c.declaredTime, usage }))
          return { c, chain, sdk }
        }),
      )
      for (const { c, chain, sdk } of verdicts) {
        if (chain.ok) accepted++
        const same = JSON.stringify(chain, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(sdk, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
        if (!same) mismatches.push(show({ c, chain, sdk }))
      }
    }
    t.diagnostic(`built-in CallPolicy rules: ${cases.length} cases through validateUserOp; accepted ${accepted}, rejected ${cases.length - accepted}; mismatches ${mismatches.length}`)
    assert.equal(mismatches.length, 0, mismatches.slice(0, 3).join('\n'))
    assert.ok(accepted > cases.length * 0.15 && cases.length - accepted > cases.length * 0.15, `accepted ${accepted} of ${cases.length}`)
  })

  it('the harness catches a checker with a deliberately broken rule (LTE evaluated as LT)', async (t) => {
    const broken: typeof evaluateCallPolicy = (parameters) => {
      let config = parameters.config
      try {
        const decoded = decodeCallPolicyConfig(config)
        config = encodeCallPolicyConfig({
          ...decoded,
          groups: decoded.groups.map((group) => group.map((rule) => (rule.condition.op === 'lte' ? { ...rule, condition: { ...rule.condition, op: 'lt' } } : rule))),
        })
      } catch {
        // A corrupted config stays as it is.
      }
      return evaluateCallPolicy({ ...parameters, config })
    }
    const cases = fc.sample(caseArb, { numRuns: 2_000, seed: SEED + 1 })
    const tally = await runCallPolicyCases(cases, broken)
    t.diagnostic(`broken checker: ${tally.mismatches.length} disagreements in ${tally.cases} cases`)
    assert.ok(tally.mismatches.length > 0, 'a broken LTE rule went unnoticed')
  })

  it('Erc20Policy: random token calls and configs agree with the deployed module', async (t) => {
    const tokenCall = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom('0xa9059cbb', '0x095ea7b3', '0x39509351'), address, fc.oneof(fc.bigInt({ min: 0n, max: 300n }), uintN(256))).map(([selector, to, amount]) =>
        concat([selector as Hex, encodeAbiParameters(parseAbiParameters('address,uint256'), [to, amount])]),
      ) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom<Address>(ACCOUNT, '0x1111111111111111111111111111111111111111'), address, fc.bigInt({ min: 0n, max: 300n })).map(([from, to, amount]) =>
        concat(['0x23b872dd', encodeAbiParameters(parseAbiParameters('address,address,uint256'), [from, to, amount])]),
      ) },
      { weight: 1, arbitrary: hexBytes(80) },
    )
    const erc20Case = fc.record({
      data: fc.tuple(tokenCall, fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: mutation })).map(([data, m]) => {
        if (!m) return data
        const length = (data.length - 2) / 2
        if (m.kind === 'cut') return data.slice(0, 2 + 2 * (m.keep % (length + 1))) as Hex
        if (m.kind === 'word') return putWord(data, 4 + 32 * (m.at % 3), m.value)
        return `0x${data.slice(2, 10)}${'ab'.repeat(12)}${data.slice(34)}` as Hex
      }),
      config: fc
        .record({
          perCall: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 600n })),
          total: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 600n })),
          perPeriod: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 600n })),
          period: fc.integer({ min: 1, max: 100_000 }),
          recipients: fc.oneof(fc.constant([]), fc.uniqueArray(address, { minLength: 1, maxLength: 3 })),
        })
        .map((config) => encodeErc20PolicyConfig(config)),
      declaredTime: fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
    })
    const cases = fc.sample(erc20Case, { numRuns: 2_000, seed: SEED + 2 })
    let accepted = 0
    const mismatches: string[] = []
    for (let i = 0; i < cases.length; i += 500) {
      const part = cases.slice(i, i + 500)
      const chain = await Promise.all(
        part.map((c) =>
          onChainVerdict(
            devnet.contracts.erc20Policy,
            encodeFunctionData({ abi: erc20PolicyAbi, functionName: 'checkCall', args: [ACCOUNT, DIGEST, 0n, c.declaredTime, devnet.contracts.demoToken, 0n, c.data, c.config] }),
            erc20PolicyAbi,
          ),
        ),
      )
      part.forEach((c, j) => {
        const sdk = offChainVerdict(evaluateErc20Policy({ config: c.config, account: ACCOUNT, data: c.data, declaredTime: c.declaredTime, usage: () => ({ periodId: 0n, used: 0n }) }))
        if (chain[j]!.ok) accepted++
        const a = JSON.stringify(chain[j], (_, v) => (typeof v === 'bigint' ? v.toString() : v))
        const b = JSON.stringify(sdk, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
        if (a !== b) mismatches.push(`${a} vs ${b} for ${JSON.stringify(c)}`)
      })
    }
    t.diagnostic(`Erc20Policy: ${cases.length} cases; accepted ${accepted}; mismatches ${mismatches.length}`)
    assert.deepEqual(mismatches.slice(0, 3), [])
    assert.ok(accepted > cases.length * 0.1 && accepted < cases.length * 0.9, `accepted ${accepted}`)
  })

  it('GasPolicy: random userOp costs and configs (valid and corrupted) agree with the deployed module', async (t) => {
    const paymasters = fc.constantFrom<Address>('0x0000000000000000000000000000000000000000', '0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222')
    const bound = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 3_000_000n }), fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }))
    const gasCase = fc.record({
      config: fc
        .record({
          maxFeePerGas: bound,
          maxGasLimit: bound,
          total: bound,
          perPeriod: bound,
          period: fc.integer({ min: 1, max: 100_000 }),
          paymasterMode: fc.constantFrom('any' as const, 'none' as const, 'noneOrListed' as const, 'listed' as const),
          paymasters: fc.uniqueArray(fc.constantFrom<Address>('0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222'), { minLength: 1, maxLength: 2 }),
          corrupt: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })) }),
        })
        .map(({ corrupt, ...config }) => {
          const encoded = encodeGasPolicyConfig(config.paymasterMode === 'any' || config.paymasterMode === 'none' ? { ...config, paymasters: [] } : config)
          if (!corrupt) return encoded
          const i = corrupt[0] % ((encoded.length - 2) / 2)
          return `${encoded.slice(0, 2 + 2 * i)}${corrupt[1].toString(16).padStart(2, '0')}${encoded.slice(4 + 2 * i)}` as Hex
        }),
      paymaster: paymasters,
      gasLimit: fc.oneof(fc.bigInt({ min: 0n, max: 3_000_000n }), fc.bigInt({ min: 0n, max: (1n << 130n) - 1n })),
      maxFeePerGas: fc.oneof(fc.bigInt({ min: 0n, max: 3_000_000n }), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })),
      declaredTime: fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
    })
    const cases = fc.sample(gasCase, { numRuns: 2_000, seed: SEED + 3 })
    let accepted = 0
    const mismatches: string[] = []
    const chain = await Promise.all(
      cases.map((c) =>
        onChainVerdict(
          devnet.contracts.gasPolicy,
          encodeFunctionData({ abi: gasPolicyAbi, functionName: 'checkGas', args: [ACCOUNT, DIGEST, c.declaredTime, c.paymaster, c.gasLimit, c.maxFeePerGas, c.config] }),
          gasPolicyAbi,
        ),
      ),
    )
    cases.forEach((c, j) => {
      const sdk = offChainVerdict(evaluateGasPolicy({ config: c.config, paymaster: c.paymaster, gasLimit: c.gasLimit, maxFeePerGas: c.maxFeePerGas, declaredTime: c.declaredTime, usage: () => ({ periodId: 0n, used: 0n }) }))
      if (chain[j]!.ok) accepted++
      const a = JSON.stringify(chain[j], (_, v) => (typeof v === 'bigint' ? v.toString() : v))
      const b = JSON.stringify(sdk, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
      if (a !== b) mismatches.push(`${a} vs ${b} for ${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
    })
    t.diagnostic(`GasPolicy: ${cases.length} cases; accepted ${accepted}; mismatches ${mismatches.length}`)
    assert.deepEqual(mismatches.slice(0, 3), [])
    assert.ok(accepted > cases.length * 0.1 && accepted < cases.length * 0.9, `accepted ${accepted}`)
  })
  it('StreamPolicy: random streams, calls, times and spent amounts (valid and corrupted) agree with the deployed module', async (t) => {
    const token = devnet.contracts.demoToken
    const start = 1_800_000_000
    const amountOf = fc.oneof(fc.bigInt({ min: 0n, max: 5_000n }), uintN(256))
    const streamCase = fc.record({
      config: fc
        .record({
          native: fc.boolean(),
          initialAmount: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 1_000n })),
          extra: fc.oneof(fc.bigInt({ min: 0n, max: 4_000n }), fc.constant((1n << 256n) - 1n)),
          amountPerSecond: fc.oneof(fc.bigInt({ min: 1n, max: 50n }), uintN(200).map((v) => v + 1n)),
          startTime: fc.integer({ min: start - 100, max: start + 100 }),
          corrupt: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()) }),
        })
        .map(({ native, initialAmount, extra, corrupt, ...rest }) => {
          const maxAmount = initialAmount + extra > (1n << 256n) - 1n ? (1n << 256n) - 1n : initialAmount + extra
          const encoded = encodeStreamPolicyConfig({ token: native ? '0x0000000000000000000000000000000000000000' : token, initialAmount, maxAmount, ...rest })
          if (!corrupt) return encoded
          if (corrupt[2]) return encoded.slice(0, 2 + 2 * (corrupt[0] % 122)) as Hex
          const i = corrupt[0] % 122
          return `${encoded.slice(0, 2 + 2 * i)}${corrupt[1].toString(16).padStart(2, '0')}${encoded.slice(4 + 2 * i)}` as Hex
        }),
      call: fc.oneof(
        { weight: 4, arbitrary: fc.tuple(address, amountOf).map(([to, amount]) => ({ target: token, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) })) },
        { weight: 4, arbitrary: fc.tuple(address, amountOf).map(([to, value]) => ({ target: to, value, data: '0x' as Hex })) },
        { weight: 1, arbitrary: fc.tuple(address, amountOf).map(([to, amount]) => ({ target: to, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) })) },
        { weight: 1, arbitrary: fc.tuple(hexBytes(80), fc.bigInt({ min: 0n, max: 3n })).map(([data, value]) => ({ target: token, value, data })) },
        { weight: 1, arbitrary: fc.tuple(address, amountOf, fc.boolean()).map(([to, amount, dirty]) => {
          const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
          return { target: token, value: 0n, data: (dirty ? `0x${data.slice(2, 10)}${'ab'.repeat(12)}${data.slice(34)}` : `${data}00`) as Hex }
        }) },
      ),
      declaredTime: fc.oneof(fc.integer({ min: start - 200, max: start + 400 }), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
      spent: fc.oneof({ weight: 2, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 8_000n }) }),
    })
    const cases = fc.sample(streamCase, { numRuns: 2_000, seed: SEED + 4 })
    let accepted = 0
    let exceeded = 0
    const mismatches: string[] = []
    for (let i = 0; i < cases.length; i += 500) {
      const part = cases.slice(i, i + 500)
      const chain = await Promise.all(
        part.map((c) =>
          onChainVerdict(
            devnet.contracts.streamPolicy,
            encodeFunctionData({ abi: streamPolicyAbi, functionName: 'checkCall', args: [ACCOUNT, DIGEST, 0n, c.declaredTime, c.call.target, c.call.value, c.call.data, c.config] }),
            streamPolicyAbi,
            counterOverrides([{ periodId: 0n, used: c.spent }]),
          ),
        ),
      )
      part.forEach((c, j) => {
        const usage = () => ({ periodId: 0n, used: c.spent })
        const sdk = offChainVerdict(evaluateStreamPolicy({ config: c.config, ...c.call, declaredTime: c.declaredTime, usage }))
        const verdict = chain[j]!
        if (verdict.ok) accepted++
        else if (verdict.error.startsWith('PolicyLimitExceeded')) exceeded++
        const a = JSON.stringify(verdict, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
        const b = JSON.stringify(sdk, (_, v) => (typeof v === 'bigint' ? v.toString() : v))
        if (a !== b) mismatches.push(`${a} vs ${b} for ${JSON.stringify(c, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`)
      })
    }
    t.diagnostic(`StreamPolicy: ${cases.length} cases; accepted ${accepted}; refused over the accrued amount ${exceeded}; mismatches ${mismatches.length}`)
    assert.deepEqual(mismatches.slice(0, 3), [])
    assert.ok(accepted > cases.length * 0.05 && accepted < cases.length * 0.9, `accepted ${accepted}`)
    assert.ok(exceeded > cases.length * 0.05, `refused over the accrued amount ${exceeded}`)
  })
})
