import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, encodePacked, numberToHex, parseAbi, parseEther, size, slice, toFunctionSelector, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { encodeCallPolicyConfig } from './callPolicyConfig.ts'
import { evaluateCallPolicy } from './evaluateCallPolicy.ts'
import type { CallLimit, LimitUsage, ParamPath, PolicyEvaluation, Rule, RuleCondition, RuleGroup, ValueType } from './policyTypes.ts'

const NOW = 1_000_000
const fresh = (): LimitUsage => ({ periodId: 0n, used: 0n })
const word = (value: bigint) => numberToHex(BigInt.asUintN(256, value), { size: 32 })
const hex = (...parts: string[]) => `0x${parts.map((p) => p.replace(/^0x/, '')).join('')}` as Hex

type Options = { limits?: CallLimit[]; value?: bigint; declaredTime?: number; usage?: (limitIndex: number) => LimitUsage }

function evaluate(groups: readonly RuleGroup[], data: Hex, options: Options = {}): PolicyEvaluation {
  return evaluateRaw(encodeCallPolicyConfig({ groups, limits: options.limits ?? [] }), data, options)
}

function evaluateRaw(config: Hex, data: Hex, options: Options = {}): PolicyEvaluation {
  return evaluateCallPolicy({ config, data, value: options.value ?? 0n, declaredTime: options.declaredTime ?? NOW, usage: options.usage ?? fresh })
}

function refused(result: PolicyEvaluation, name: string, args: readonly (bigint | string)[] = []) {
  assert.equal(result.ok, false, 'expected a refusal')
  if (!result.ok) assert.deepEqual(result.error, { name, args }, result.reason)
}

function passes(result: PolicyEvaluation) {
  assert.equal(result.ok, true, result.ok ? '' : result.reason)
}

const rule = (path: ParamPath, valueType: ValueType, condition: RuleCondition): Rule => ({ path, valueType, condition })
const WORD: ValueType = { kind: 'word' }
const ADDRESS: ValueType = { kind: 'uint', bytes: 20 }
const field = (index: number) => ({ step: 'field', index }) as const
const enter = { step: 'enter' } as const
const element = (index: number | 'last', words = 1) => ({ step: 'element', index, words }) as const
const dynElement = (index: number | 'last') => ({ step: 'dynElement', index }) as const

/** `f(word)`: calldata whose first argument word is `value` (two's complement when negative). */
const oneWord = (value: bigint) => hex('0x12345678', word(value))
/** A rule's bytes inside an encoded config (without the group and rule counts). */
const ruleBytes = (r: Rule) => encodeCallPolicyConfig({ groups: [[r]], limits: [] }).slice(6, -2)

const usdc = '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48'
const weth = '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2'
const dai = '0x6b175474e89094c44da98b954eedeac495271d0f'
const account = '0x00000000000000000000000000000000000000aa'

const routerAbi = parseAbi([
  'function exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params) payable returns (uint256)',
  'function exactInput((bytes path, address recipient, uint256 amountIn, uint256 amountOutMinimum) params) payable returns (uint256)',
  'function multicall(uint256 deadline, bytes[] data) payable returns (bytes[])',
  'function swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to, uint256 deadline) returns (uint256[])',
])
const shapesAbi = parseAbi([
  'function setMatrix(uint256[][] m)',
  'function payAll((address to, uint256 amount)[] payments)',
  'function execute((address target, uint256 value, bytes data)[] calls)',
  'function fixedThenAddress(uint256[3] xs, address to)',
  'function setBytes(bytes b)',
])

const exactInputSingle = (overrides: Partial<{ tokenIn: Hex; fee: number; recipient: Hex; amountIn: bigint }> = {}) =>
  encodeFunctionData({
    abi: routerAbi,
    functionName: 'exactInputSingle',
    args: [{ tokenIn: usdc, tokenOut: weth, fee: 500, recipient: account, amountIn: 1000n, amountOutMinimum: 1n, sqrtPriceLimitX96: 0n, ...overrides }],
  })

const swapV2 = (path: Hex[], amountIn = 1000n) =>
  encodeFunctionData({ abi: routerAbi, functionName: 'swapExactTokensForTokens', args: [amountIn, 1n, path, account, 2n ** 40n] })

describe('evaluateCallPolicy: operators', () => {
  const cases: [RuleCondition, holds: bigint[], fails: bigint[]][] = [
    [{ op: 'eq', value: 5n }, [5n], [6n, 4n]],
    [{ op: 'neq', value: 5n }, [6n, 0n], [5n]],
    // Negative words are two's complement: unsigned, -1 is the largest word.
    [{ op: 'lt', value: 5n }, [4n, 0n], [5n, 6n, -1n]],
    [{ op: 'lte', value: 5n }, [5n, 4n], [6n, -1n]],
    [{ op: 'gt', value: 5n }, [6n, -1n], [5n, 4n]],
    [{ op: 'gte', value: 5n }, [5n, 6n], [4n]],
    [{ op: 'slt', value: BigInt.asUintN(256, -2n) }, [-3n], [-2n, 5n]],
    [{ op: 'slte', value: 0n }, [-2n, 0n], [1n]],
    [{ op: 'sgt', value: 0n }, [1n], [0n, -1n]],
    [{ op: 'sgte', value: 0n }, [0n, 7n], [-1n]],
    [{ op: 'inRange', min: 3n, max: 5n }, [3n, 4n, 5n], [2n, 6n, -4n]],
    [{ op: 'sInRange', min: BigInt.asUintN(256, -5n), max: 5n }, [-5n, 0n, 5n], [-6n, 6n]],
    [{ op: 'oneOf', values: [1n, 7n, 9n] }, [1n, 7n, 9n], [8n, 0n]],
    [{ op: 'bitsAll', mask: 0b1010n }, [0b1010n, 0b1110n], [0b1000n, 0n]],
    [{ op: 'bitsAny', mask: 0b1010n }, [0b0010n, 0b1000n], [0b0101n, 0n]],
    [{ op: 'bitsNone', mask: 0b1010n }, [0b0101n, 0n], [0b0010n, 0b1111n]],
  ]
  for (const [condition, holds, fails] of cases) {
    it(`${condition.op} holds and fails on the right words`, () => {
      for (const v of holds) passes(evaluate([[rule([], WORD, condition)]], oneWord(v)))
      for (const v of fails) refused(evaluate([[rule([], WORD, condition)]], oneWord(v)), 'CallPolicyRuleFailed', [0n])
    })
  }

  it('SLICE_EQ compares bytes after a bytes length word; a slice past the declared length fails, past the calldata is unreadable', () => {
    const data = encodeFunctionData({ abi: shapesAbi, functionName: 'setBytes', args: ['0xdeadbeefcafe'] })
    const path = [field(0), enter]
    const slice = (start: number, bytes: Hex) => evaluate([[rule(path, WORD, { op: 'sliceEq', start, bytes })]], data)
    passes(slice(0, '0xdeadbeef'))
    passes(slice(2, '0xbeefcafe'))
    passes(slice(6, '0x')) // empty slice at the end
    refused(slice(1, '0xdeadbeef'), 'CallPolicyRuleFailed', [0n])
    refused(slice(3, '0xefcafe00'), 'CallPolicyRuleFailed', [0n]) // inside the padding: beyond L = 6
    refused(slice(7, '0x'), 'CallPolicyRuleFailed', [0n])
    // L declared as 64 with only 32 bytes of content in the calldata.
    const lying = hex(slice_(data, 0, 36), word(64n), slice_(data, 68))
    passes(evaluate([[rule(path, WORD, { op: 'sliceEq', start: 0, bytes: '0xdeadbeef' })]], lying))
    passes(evaluate([[rule(path, WORD, { op: 'sliceEq', start: 30, bytes: '0x0000' })]], lying)) // the padding, up to the calldata's end
    refused(evaluate([[rule(path, WORD, { op: 'sliceEq', start: 31, bytes: '0x0000' })]], lying), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[rule(path, WORD, { op: 'sliceEq', start: 40, bytes: '0x' })]], lying), 'CallPolicyParamUnreadable', [0n, 0n])
  })
})

/** `slice` of viem, with an optional end, as hex without its own size checks. */
function slice_(data: Hex, start: number, end?: number): Hex {
  return end === undefined ? slice(data, start) : slice(data, start, end)
}

describe('evaluateCallPolicy: value types', () => {
  const clean = (valueType: ValueType, v: bigint) => passes(evaluate([[rule([], valueType, { op: 'neq', value: 12345n })]], oneWord(v)))
  const dirty = (valueType: ValueType, v: bigint) => refused(evaluate([[rule([], valueType, { op: 'neq', value: 12345n })]], oneWord(v)), 'CallPolicyParamDirty', [0n, 0n])

  it('takes any word for word', () => {
    clean(WORD, -1n)
    clean(WORD, 1n << 255n)
  })

  it('needs the high bytes of uint and address zero', () => {
    clean({ kind: 'uint', bytes: 1 }, 255n)
    dirty({ kind: 'uint', bytes: 1 }, 256n)
    clean(ADDRESS, BigInt(usdc))
    dirty(ADDRESS, BigInt(usdc) | (1n << 160n))
    dirty(ADDRESS, BigInt(usdc) | (1n << 255n))
    clean({ kind: 'uint', bytes: 31 }, (1n << 248n) - 1n)
    dirty({ kind: 'uint', bytes: 31 }, 1n << 248n)
  })

  it('needs a bool to be 0 or 1 (a lax decoder would read 2 as true)', () => {
    clean({ kind: 'bool' }, 0n)
    clean({ kind: 'bool' }, 1n)
    dirty({ kind: 'bool' }, 2n)
    dirty({ kind: 'bool' }, 256n)
  })

  it('needs int words sign-extended from their low bytes', () => {
    const int24: ValueType = { kind: 'int', bytes: 3 }
    clean(int24, -1n)
    clean(int24, -(2n ** 23n))
    clean(int24, 2n ** 23n - 1n)
    dirty(int24, 2n ** 23n) // 0x800000 not extended
    dirty(int24, BigInt.asUintN(256, -1n) ^ (1n << 23n)) // 0xff…ff7fffff
    dirty(int24, 1n << 24n)
    clean({ kind: 'int', bytes: 1 }, -128n)
    dirty({ kind: 'int', bytes: 1 }, 128n)
  })

  it('needs the low bytes of bytesN zero', () => {
    const bytes4: ValueType = { kind: 'fixedBytes', bytes: 4 }
    clean(bytes4, 0xdeadbeefn << 224n)
    dirty(bytes4, (0xdeadbeefn << 224n) | 1n)
    dirty(bytes4, 1n << 223n)
    clean({ kind: 'fixedBytes', bytes: 31 }, ((1n << 248n) - 1n) << 8n)
    dirty({ kind: 'fixedBytes', bytes: 31 }, 0xffn)
  })

  it('checks cleanliness before the operator, in every rule evaluated', () => {
    const data = oneWord(1n << 160n)
    // Dirty under a rule that would hold anyway.
    refused(evaluate([[rule([], ADDRESS, { op: 'neq', value: 0n })]], data), 'CallPolicyParamDirty', [0n, 0n])
    // Second rule of an OR group, after one that fails.
    refused(evaluate([[rule([], WORD, { op: 'eq', value: 0n }), rule([], ADDRESS, { op: 'neq', value: 0n })]], data), 'CallPolicyParamDirty', [0n, 1n])
    // Not evaluated after a rule that holds.
    passes(evaluate([[rule([], WORD, { op: 'neq', value: 0n }), rule([], ADDRESS, { op: 'neq', value: 0n })]], data))
  })
})

describe('evaluateCallPolicy: paths over real ABIs', () => {
  it('reads the members of a static tuple as head words (exactInputSingle)', () => {
    const groups: RuleGroup[] = [
      [rule([field(0)], ADDRESS, { op: 'eq', value: BigInt(usdc) }), rule([field(0)], ADDRESS, { op: 'eq', value: BigInt(dai) })],
      [rule([field(2)], { kind: 'uint', bytes: 3 }, { op: 'oneOf', values: [500n, 3000n] })],
      [rule([field(3)], ADDRESS, { op: 'eq', value: BigInt(account) })],
      [rule([field(4)], WORD, { op: 'lte', value: 1000n })],
      [rule([field(6)], ADDRESS, { op: 'eq', value: 0n })],
    ]
    passes(evaluate(groups, exactInputSingle()))
    passes(evaluate(groups, exactInputSingle({ tokenIn: dai })))
    const fails = evaluate(groups, exactInputSingle({ tokenIn: weth }))
    refused(fails, 'CallPolicyRuleFailed', [0n])
    assert.equal(
      !fails.ok && fails.reason,
      `argument rule group 0 fails: none of its rules holds (the argument is ${weth.toLowerCase()}, not equal to ${usdc.toLowerCase()}; the argument is ${weth.toLowerCase()}, not equal to ${dai.toLowerCase()})`,
    )
    refused(evaluate(groups, exactInputSingle({ fee: 10_000 })), 'CallPolicyRuleFailed', [1n])
    refused(evaluate(groups, exactInputSingle({ recipient: weth })), 'CallPolicyRuleFailed', [2n])
    const over = evaluate(groups, exactInputSingle({ amountIn: 1001n }))
    refused(over, 'CallPolicyRuleFailed', [3n])
    assert.equal(!over.ok && over.reason, 'argument rule group 3 fails: the argument is 1001, above the most allowed, 1000')
  })

  it('enters a dynamic address[] for its length, first and last elements (swapExactTokensForTokens)', () => {
    const groups: RuleGroup[] = [
      [rule([field(2), enter, element(0)], ADDRESS, { op: 'eq', value: BigInt(usdc) })],
      [rule([field(2), enter, element('last')], ADDRESS, { op: 'eq', value: BigInt(weth) })],
      [rule([field(2), enter], WORD, { op: 'lte', value: 3n })],
      [rule([field(3)], ADDRESS, { op: 'eq', value: BigInt(account) })],
    ]
    passes(evaluate(groups, swapV2([usdc, weth])))
    passes(evaluate(groups, swapV2([usdc, dai, weth])))
    refused(evaluate(groups, swapV2([dai, weth])), 'CallPolicyRuleFailed', [0n])
    refused(evaluate(groups, swapV2([usdc, weth, dai])), 'CallPolicyRuleFailed', [1n])
    refused(evaluate(groups, swapV2([usdc, dai, dai, weth])), 'CallPolicyRuleFailed', [2n])
    // Element 1 of [usdc, dai, weth] is dai; element 3 is past the count.
    passes(evaluate([[rule([field(2), enter, element(1)], ADDRESS, { op: 'eq', value: BigInt(dai) })]], swapV2([usdc, dai, weth])))
    refused(evaluate([[rule([field(2), enter, element(3)], ADDRESS, { op: 'eq', value: 0n })]], swapV2([usdc, dai, weth])), 'CallPolicyParamUnreadable', [0n, 0n])
    // 'last' of an empty array is unreadable, also as the second rule of an OR group.
    const empty = swapV2([])
    refused(evaluate([[rule([field(2), enter, element('last')], ADDRESS, { op: 'eq', value: 0n })]], empty), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(
      evaluate([[rule([field(0)], WORD, { op: 'eq', value: 0n }), rule([field(2), enter, element('last')], ADDRESS, { op: 'eq', value: 0n })]], empty),
      'CallPolicyParamUnreadable',
      [0n, 1n],
    )
  })

  it('enters a dynamic tuple and its bytes member (exactInput, SLICE_EQ on the V3 path)', () => {
    const path = encodePacked(['address', 'uint24', 'address'], [usdc, 500, weth])
    const data = encodeFunctionData({ abi: routerAbi, functionName: 'exactInput', args: [{ path, recipient: account, amountIn: 7n, amountOutMinimum: 1n }] })
    const bytesPath = [field(0), enter, field(0), enter]
    passes(
      evaluate(
        [
          [rule([field(0), enter, field(1)], ADDRESS, { op: 'eq', value: BigInt(account) })],
          [rule([field(0), enter, field(2)], WORD, { op: 'eq', value: 7n })],
          [rule(bytesPath, WORD, { op: 'eq', value: 43n })],
          [rule(bytesPath, WORD, { op: 'sliceEq', start: 0, bytes: usdc })],
          [rule(bytesPath, WORD, { op: 'sliceEq', start: 20, bytes: '0x0001f4' })],
          [rule(bytesPath, WORD, { op: 'sliceEq', start: 23, bytes: weth })],
        ],
        data,
      ),
    )
    refused(evaluate([[rule(bytesPath, WORD, { op: 'sliceEq', start: 23, bytes: dai })]], data), 'CallPolicyRuleFailed', [0n])
    refused(evaluate([[rule(bytesPath, WORD, { op: 'sliceEq', start: 24, bytes: weth })]], data), 'CallPolicyRuleFailed', [0n])
  })

  it('picks elements of bytes[] (multicall), of nested arrays and of tuple arrays', () => {
    const inner = exactInputSingle()
    const multicall = encodeFunctionData({ abi: routerAbi, functionName: 'multicall', args: [1n, [swapV2([usdc, weth]), inner]] })
    const selector = toFunctionSelector(routerAbi[0])
    passes(evaluate([[rule([field(1), enter, dynElement(1)], WORD, { op: 'sliceEq', start: 0, bytes: selector })]], multicall))
    passes(evaluate([[rule([field(1), enter, dynElement('last')], WORD, { op: 'eq', value: BigInt(size(inner)) })]], multicall))
    refused(evaluate([[rule([field(1), enter, dynElement(0)], WORD, { op: 'sliceEq', start: 0, bytes: selector })]], multicall), 'CallPolicyRuleFailed', [0n])
    refused(evaluate([[rule([field(1), enter, dynElement(2)], WORD, { op: 'eq', value: 0n })]], multicall), 'CallPolicyParamUnreadable', [0n, 0n])

    const matrix = encodeFunctionData({ abi: shapesAbi, functionName: 'setMatrix', args: [[[1n], [10n, 11n, 12n], []]] })
    passes(evaluate([[rule([field(0), enter, dynElement(1), element(2)], WORD, { op: 'eq', value: 12n })]], matrix))
    passes(evaluate([[rule([field(0), enter, dynElement(1), element('last')], WORD, { op: 'eq', value: 12n })]], matrix))
    passes(evaluate([[rule([field(0), enter, dynElement(0), element(0)], WORD, { op: 'eq', value: 1n })]], matrix))
    passes(evaluate([[rule([field(0), enter, dynElement('last')], WORD, { op: 'eq', value: 0n })]], matrix)) // the last row's length
    refused(evaluate([[rule([field(0), enter, dynElement(2), element(0)], WORD, { op: 'eq', value: 0n })]], matrix), 'CallPolicyParamUnreadable', [0n, 0n])

    const payments = encodeFunctionData({ abi: shapesAbi, functionName: 'payAll', args: [[{ to: usdc, amount: 5n }, { to: dai, amount: 6n }]] })
    passes(evaluate([[rule([field(0), enter, element(1, 2), field(1)], WORD, { op: 'eq', value: 6n })]], payments))
    passes(evaluate([[rule([field(0), enter, element('last', 2)], ADDRESS, { op: 'eq', value: BigInt(dai) })]], payments))
    passes(evaluate([[rule([field(0), enter, element(0, 2), field(0)], ADDRESS, { op: 'eq', value: BigInt(usdc) })]], payments))

    const calls = encodeFunctionData({
      abi: shapesAbi,
      functionName: 'execute',
      args: [[{ target: usdc, value: 0n, data: '0x' }, { target: weth, value: 3n, data: inner }]],
    })
    passes(evaluate([[rule([field(0), enter, dynElement(1), field(0)], ADDRESS, { op: 'eq', value: BigInt(weth) })]], calls))
    passes(evaluate([[rule([field(0), enter, dynElement(1), field(1)], WORD, { op: 'eq', value: 3n })]], calls))
    passes(evaluate([[rule([field(0), enter, dynElement(1), field(2), enter], WORD, { op: 'sliceEq', start: 0, bytes: selector })]], calls))
    passes(evaluate([[rule([field(0), enter, dynElement(0), field(2), enter], WORD, { op: 'eq', value: 0n })]], calls))

    const fixed = encodeFunctionData({ abi: shapesAbi, functionName: 'fixedThenAddress', args: [[1n, 2n, 3n], account] })
    passes(evaluate([[rule([field(3)], ADDRESS, { op: 'eq', value: BigInt(account) })], [rule([field(2)], WORD, { op: 'eq', value: 3n })]], fixed))
  })

  it('reads the first head word with an empty path', () => {
    passes(evaluate([[rule([], WORD, { op: 'eq', value: 1000n })]], swapV2([usdc])))
  })
})

describe('evaluateCallPolicy: hostile calldata', () => {
  const firstOfPath = rule([field(2), enter, element(0)], ADDRESS, { op: 'eq', value: BigInt(usdc) })
  /** The swapV2 calldata with head word `k` replaced. */
  const withWord = (data: Hex, at: number, value: bigint) => hex(slice_(data, 0, at), word(value), slice_(data, at + 32))

  it('refuses short calldata, also before the selector ends', () => {
    const data = exactInputSingle()
    const cut = slice_(data, 0, 4 + 32 * 4 + 31)
    passes(evaluate([[rule([field(3)], ADDRESS, { op: 'eq', value: BigInt(account) })]], cut))
    refused(evaluate([[rule([field(4)], WORD, { op: 'neq', value: 0n })]], cut), 'CallPolicyParamUnreadable', [0n, 0n])
    passes(evaluate([[rule([field(4)], WORD, { op: 'neq', value: 0n })]], slice_(data, 0, 4 + 32 * 5)))
    for (const tiny of ['0x', '0x12', '0x12345678'] as Hex[]) refused(evaluate([[rule([], WORD, { op: 'neq', value: 1n })]], tiny), 'CallPolicyParamUnreadable', [0n, 0n])
    passes(evaluate([], '0x'))
  })

  it('refuses offsets beyond the calldata, even ones that would wrap around to valid words', () => {
    const data = swapV2([usdc, weth])
    const at = 4 + 32 * 2
    passes(evaluate([[firstOfPath]], data))
    refused(evaluate([[firstOfPath]], withWord(data, at, BigInt(size(data)))), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[firstOfPath]], withWord(data, at, 2n ** 255n)), 'CallPolicyParamUnreadable', [0n, 0n])
    // base (4) + offset ≡ 0 mod 2^256: a readable word, if arithmetic wrapped.
    refused(evaluate([[firstOfPath]], withWord(data, at, (1n << 256n) - 4n)), 'CallPolicyParamUnreadable', [0n, 0n])
    // An offset pointing backwards at the head: the array "is" at word 0 (amountIn = 1000 as its count).
    refused(evaluate([[firstOfPath]], withWord(data, at, 0n)), 'CallPolicyParamUnreadable', [0n, 0n])
  })

  it('allows an element count up to the calldata length, not above', () => {
    // f(uint256[] xs) with a count word we choose and one element.
    const data = (count: bigint) => hex('0x12345678', word(0x20n), word(count), word(9n))
    const length = BigInt(size(data(0n)))
    const first = rule([field(0), enter, element(0)], WORD, { op: 'eq', value: 9n })
    passes(evaluate([[first]], data(1n)))
    passes(evaluate([[first]], data(length)))
    refused(evaluate([[first]], data(length + 1n)), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[first]], data(0n)), 'CallPolicyParamUnreadable', [0n, 0n])
    // The count allows element 1, but it is not in the calldata.
    refused(evaluate([[rule([field(0), enter, element(1)], WORD, { op: 'eq', value: 0n })]], data(2n)), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[rule([field(0), enter, element('last')], WORD, { op: 'eq', value: 0n })]], data(length)), 'CallPolicyParamUnreadable', [0n, 0n])
  })

  it('refuses dynamic element offsets beyond the calldata', () => {
    const inner = exactInputSingle()
    const multicall = encodeFunctionData({ abi: routerAbi, functionName: 'multicall', args: [1n, [inner]] })
    const headAt = 4 + 32 * 2 + 32 // after deadline, offset, count: element 0's offset
    const selectorRule = rule([field(1), enter, dynElement(0)], WORD, { op: 'sliceEq', start: 0, bytes: toFunctionSelector(routerAbi[0]) })
    passes(evaluate([[selectorRule]], multicall))
    refused(evaluate([[selectorRule]], withWord(multicall, headAt, BigInt(size(multicall)) + 1n)), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[selectorRule]], withWord(multicall, headAt, (1n << 256n) - 32n)), 'CallPolicyParamUnreadable', [0n, 0n])
    // Cut inside element 0's offset word.
    refused(evaluate([[selectorRule]], slice_(multicall, 0, headAt + 31)), 'CallPolicyParamUnreadable', [0n, 0n])
  })

  it('refuses an unreadable parameter wherever its rule is in an OR group, unless an earlier rule held', () => {
    const data = swapV2([usdc])
    const unreadable = rule([field(99)], WORD, { op: 'eq', value: 0n })
    const holds = rule([field(0)], WORD, { op: 'eq', value: 1000n })
    const fails = rule([field(0)], WORD, { op: 'eq', value: 1n })
    refused(evaluate([[unreadable, holds]], data), 'CallPolicyParamUnreadable', [0n, 0n])
    refused(evaluate([[holds], [fails, unreadable, holds]], data), 'CallPolicyParamUnreadable', [1n, 1n])
    passes(evaluate([[holds, unreadable]], data))
    refused(evaluate([[fails], [unreadable]], data), 'CallPolicyRuleFailed', [0n])
  })
})

describe('evaluateCallPolicy: reading the config as it goes', () => {
  const data = oneWord(5n)
  const holds = rule([], WORD, { op: 'eq', value: 5n })
  const fails = rule([], WORD, { op: 'eq', value: 6n })
  const unreadable = rule([field(1)], WORD, { op: 'eq', value: 0n })
  /** `holds` with operator 0x11 (unknown). */
  const badOperator = hex('00', '00', '11', word(5n)).slice(2)

  it('reports a failing group before a malformed group after it', () => {
    refused(evaluateRaw(hex('02', '01', ruleBytes(fails), '01', badOperator, '00'), data), 'CallPolicyRuleFailed', [0n])
    refused(evaluateRaw(hex('02', '01', ruleBytes(holds), '01', badOperator, '00'), data), 'CallPolicyConfigMalformed')
  })

  it('reads (and checks) the rules after the one that holds in a group', () => {
    refused(evaluateRaw(hex('01', '02', ruleBytes(holds), badOperator, '00'), data), 'CallPolicyConfigMalformed')
    refused(evaluateRaw(hex('01', '02', ruleBytes(holds), ruleBytes(holds).slice(0, -2)), data), 'CallPolicyConfigMalformed')
    // Three rules, the first holds: the next group and the limit are still found.
    const threeRules = evaluate([[holds, fails, unreadable], [fails, holds]], data, { limits: [{ kind: 'calls', max: 1n, period: 0 }] })
    assert.deepEqual(threeRules, { ok: true, validAfter: 0, validUntil: 0, usage: [{ limitIndex: 0, usage: { periodId: 0n, used: 1n } }] })
  })

  it('reads a whole rule before walking its path', () => {
    const unreadableBadOperator = hex('01', '00', '0001', '00', '11', word(0n)).slice(2)
    assert.equal(ruleBytes(unreadable), hex('01', '00', '0001', '00', '00', word(0n)).slice(2))
    refused(evaluateRaw(hex('01', '01', unreadableBadOperator, '00'), data), 'CallPolicyConfigMalformed')
    refused(evaluateRaw(hex('01', '02', ruleBytes(unreadable), badOperator, '00'), data), 'CallPolicyParamUnreadable', [0n, 0n])
  })

  it('counts limits before finding bytes left over, and refuses those bytes when everything passes', () => {
    const calls = encodeCallPolicyConfig({ groups: [], limits: [{ kind: 'calls', max: 1n, period: 0 }] })
    refused(evaluateRaw(`${calls}00`, data), 'CallPolicyConfigMalformed')
    refused(evaluateRaw(`${calls}00`, data, { usage: () => ({ periodId: 0n, used: 1n }) }), 'PolicyLimitExceeded', [0n, 1n, 1n, 1n])
    refused(evaluateRaw(hex('01', '01', ruleBytes(fails), '00', 'ff'), data), 'CallPolicyRuleFailed', [0n])
    // A limit after an exceeded one is never read.
    const thenUnknownKind = hex('00', '02', calls.slice(6), '07')
    refused(evaluateRaw(thenUnknownKind, data, { usage: () => ({ periodId: 0n, used: 1n }) }), 'PolicyLimitExceeded', [0n, 1n, 1n, 1n])
    refused(evaluateRaw(thenUnknownKind, data), 'CallPolicyConfigMalformed')
  })

  it('reads a whole limit before reading its parameter', () => {
    const param = encodeCallPolicyConfig({ groups: [], limits: [{ kind: 'param', path: [field(3)], valueType: WORD, max: 10n, period: 0 }] })
    refused(evaluateRaw(param, data), 'CallPolicyParamUnreadable', [255n, 0n])
    refused(evaluateRaw(param.slice(0, -2) as Hex, data), 'CallPolicyConfigMalformed')
  })

  it('refuses empty and cut-short configs, and takes the empty one', () => {
    refused(evaluateRaw('0x', data), 'CallPolicyConfigMalformed')
    refused(evaluateRaw('0x00', data), 'CallPolicyConfigMalformed')
    refused(evaluateRaw('0x0101', data), 'CallPolicyConfigMalformed')
    const malformed = evaluateRaw('0x0001', data)
    assert.ok(!malformed.ok && /malformed.*cut short reading a limit kind/.test(malformed.reason), !malformed.ok ? malformed.reason : '')
    assert.deepEqual(evaluateRaw('0x0000', data), { ok: true, validAfter: 0, validUntil: 0, usage: [] })
    refused(evaluateRaw('0x010000', data), 'CallPolicyRuleFailed', [0n]) // a group without rules never passes
  })

  it('refuses arguments the contract cannot receive', () => {
    assert.throws(() => evaluateRaw('0x0000', '0x123' as Hex), InvalidParameterError)
    assert.throws(() => evaluateRaw('0x0000', data, { value: -1n }), InvalidParameterError)
    assert.throws(() => evaluateRaw('0x0000', data, { declaredTime: 2 ** 48 }), InvalidParameterError)
  })
})

describe('evaluateCallPolicy: limits', () => {
  const data = swapV2([usdc, weth], 400n)
  const stored = (byIndex: Record<number, LimitUsage>) => (limitIndex: number) => byIndex[limitIndex] ?? fresh()
  const amountIn: CallLimit = { kind: 'param', path: [field(0)], valueType: WORD, max: 1000n, period: 0 }

  it('counts calls, native value and a parameter, lifetime, and lists the new counters in order', () => {
    const result = evaluate([], data, {
      value: parseEther('0.5'),
      limits: [{ kind: 'calls', max: 3n, period: 0 }, { kind: 'value', max: parseEther('1'), period: 0 }, amountIn],
      usage: stored({ 0: { periodId: 0n, used: 2n }, 1: { periodId: 0n, used: parseEther('0.5') }, 2: { periodId: 0n, used: 600n } }),
    })
    assert.deepEqual(result, {
      ok: true,
      validAfter: 0,
      validUntil: 0,
      usage: [
        { limitIndex: 0, usage: { periodId: 0n, used: 3n } },
        { limitIndex: 1, usage: { periodId: 0n, used: parseEther('1') } },
        { limitIndex: 2, usage: { periodId: 0n, used: 1000n } },
      ],
    })
  })

  it('refuses a total above max with (limitIndex, used, amount, max), also from a later limit', () => {
    const over = evaluate([], data, { limits: [amountIn], usage: stored({ 0: { periodId: 0n, used: 800n } }) })
    refused(over, 'PolicyLimitExceeded', [0n, 800n, 400n, 1000n])
    assert.equal(!over.ok && over.reason, 'the parameter total (limit 0) would reach 1,200, above the limit of 1,000')
    refused(evaluate([], data, { limits: [{ kind: 'calls', max: 0n, period: 0 }] }), 'PolicyLimitExceeded', [0n, 0n, 1n, 0n])
    refused(
      evaluate([], data, { value: 2n, limits: [{ kind: 'calls', max: 10n, period: 0 }, { kind: 'value', max: 1n, period: 0 }] }),
      'PolicyLimitExceeded',
      [1n, 0n, 2n, 1n],
    )
  })

  it('refuses a total that does not fit the 208-bit counter, whatever max says', () => {
    const huge = (1n << 256n) - 1n
    const limit: CallLimit = { kind: 'param', path: [], valueType: WORD, max: huge, period: 0 }
    const at = (amount: bigint, used: bigint) => evaluate([], oneWord(amount), { limits: [limit], usage: () => ({ periodId: 0n, used }) })
    passes(at(1n, (1n << 208n) - 2n))
    refused(at(2n, (1n << 208n) - 2n), 'PolicyLimitExceeded', [0n, (1n << 208n) - 2n, 2n, huge])
    refused(at(huge, 0n), 'PolicyLimitExceeded', [0n, 0n, huge, huge])
    refused(at(1n << 208n, 0n), 'PolicyLimitExceeded', [0n, 0n, 1n << 208n, huge])
  })

  it('refills in a new period, refuses a past period, and returns the period as the window', () => {
    const hourly: CallLimit = { kind: 'calls', max: 2n, period: 3600 }
    const declaredTime = 7200 + 5 // period 2: [7200, 10799]
    const refilled = evaluate([], data, { declaredTime, limits: [hourly], usage: () => ({ periodId: 1n, used: 2n }) })
    assert.deepEqual(refilled, { ok: true, validAfter: 7200, validUntil: 10_799, usage: [{ limitIndex: 0, usage: { periodId: 2n, used: 1n } }] })
    refused(evaluate([], data, { declaredTime, limits: [hourly], usage: () => ({ periodId: 2n, used: 2n }) }), 'PolicyLimitExceeded', [0n, 2n, 1n, 2n])
    refused(evaluate([], data, { declaredTime, limits: [hourly], usage: () => ({ periodId: 3n, used: 0n }) }), 'PolicyPeriodPast', [0n])
    // A lifetime limit is period 0: any later stored period is past.
    refused(evaluate([], data, { limits: [{ kind: 'calls', max: 2n, period: 0 }], usage: () => ({ periodId: 1n, used: 0n }) }), 'PolicyPeriodPast', [0n])
  })

  it('checks the period before the amount: a past period is refused even when the amount fits', () => {
    refused(evaluate([], data, { limits: [{ kind: 'calls', max: 0n, period: 60 }], usage: () => ({ periodId: 10n ** 9n, used: 0n }) }), 'PolicyPeriodPast', [0n])
  })

  it('intersects the windows of periodic limits and ignores lifetime ones', () => {
    const result = evaluate([], data, {
      declaredTime: 1_299_600, // in the third week since 1970
      limits: [
        { kind: 'calls', max: 5n, period: 86_400 }, // [1296000, 1382399]
        { kind: 'calls', max: 5n, period: 0 },
        { kind: 'value', max: 5n, period: 3600 }, // [1299600, 1303199]
        { kind: 'calls', max: 5n, period: 7 * 86_400 }, // [1209600, 1814399]
      ],
    })
    assert.ok(result.ok)
    assert.deepEqual([result.validAfter, result.validUntil], [1_299_600, 1_303_199])
    assert.deepEqual(
      result.usage.map((u) => [u.limitIndex, u.usage.periodId]),
      [
        [0, 15n],
        [1, 0n],
        [2, 361n],
        [3, 2n],
      ],
    )
  })

  it("refuses a declared time in a periodic limit's first period (its window could end at 0: no expiry)", () => {
    const result = evaluate([], data, { declaredTime: 0, limits: [{ kind: 'calls', max: 5n, period: 1 }] })
    assert.ok(!result.ok)
    assert.equal(result.error.name, 'PolicyDeclaredTimeTooEarly')
    assert.deepEqual(result.error.args, [0n, 0n])
    // A lifetime limit has no period, so any declared time is fine.
    assert.ok(evaluate([], data, { declaredTime: 0, limits: [{ kind: 'calls', max: 5n, period: 0 }] }).ok)
  })

  it('caps validUntil at 2^48 − 1', () => {
    const declaredTime = 2 ** 48 - 10
    const period = 2 ** 32 - 1
    const result = evaluate([], data, { declaredTime, limits: [{ kind: 'calls', max: 1n, period }] })
    const periodId = Math.floor(declaredTime / period)
    assert.deepEqual(result, { ok: true, validAfter: periodId * period, validUntil: 2 ** 48 - 1, usage: [{ limitIndex: 0, usage: { periodId: BigInt(periodId), used: 1n } }] })
  })

  it('reads a PARAM limit with the rules safety checks, reported as group 255', () => {
    const address: CallLimit = { kind: 'param', path: [field(3)], valueType: ADDRESS, max: (1n << 256n) - 1n, period: 0 }
    passes(evaluate([], data, { limits: [address] }))
    const dirty = hex(slice_(data, 0, 4 + 96), word(BigInt(account) | (1n << 200n)), slice_(data, 4 + 128))
    refused(evaluate([], dirty, { limits: [{ kind: 'calls', max: 5n, period: 0 }, address] }), 'CallPolicyParamDirty', [255n, 1n])
    refused(evaluate([], data, { limits: [{ ...amountIn, path: [field(40)] }] }), 'CallPolicyParamUnreadable', [255n, 0n])
    // A rule failing comes first.
    refused(evaluate([[rule([], WORD, { op: 'eq', value: 1n })]], data, { limits: [{ ...amountIn, path: [field(40)] }] }), 'CallPolicyRuleFailed', [0n])
  })

  it('moves nothing on a refusal: the counters to apply come only with an acceptance', () => {
    const result = evaluate([], data, {
      value: 2n,
      limits: [{ kind: 'calls', max: 10n, period: 0 }, { kind: 'value', max: 1n, period: 0 }],
    })
    assert.equal(result.ok, false)
    assert.equal('usage' in result, false)
  })
})
