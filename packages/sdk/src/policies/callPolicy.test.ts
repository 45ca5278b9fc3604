import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { demoGameAbi, demoNftAbi, demoSwapRouterV2Abi, demoSwapRouterV3Abi } from '@latchkey/contracts'
import { concat, encodeFunctionData, numberToHex, toFunctionSelector, type Abi, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { callPolicy } from './callPolicy.ts'
import { decodeCallPolicyConfig } from './callPolicyConfig.ts'
import { CalldataReader } from './calldataReader.ts'
import { anyOf, bitsAll, eq, gte, inRange, lt, lte, neq, oneOf, perPeriod, sliceEq, total } from './conditions.ts'
import { evaluateCallPolicy } from './evaluateCallPolicy.ts'
import { walkParamPath } from './paramPath.ts'
import type { ParamPath, PathStep, PolicyEvaluation } from './policyTypes.ts'

const usdc: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const weth: Address = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2'
const account: Address = '0x00000000000000000000000000000000000000aa'
const router: Address = '0x00000000000000000000000000000000000000bb'

const field = (index: number): PathStep => ({ step: 'field', index })
const enter: PathStep = { step: 'enter' }
const element = (index: number | 'last', words: number): PathStep => ({ step: 'element', index, words })
const dynElement = (index: number | 'last'): PathStep => ({ step: 'dynElement', index })
const address20 = { kind: 'uint', bytes: 20 } as const
const word = { kind: 'word' } as const

/** The word the policy reads at `path` in `data` (undefined when unreadable), as the contract walks it. */
function wordAt(data: Hex, path: ParamPath): bigint | undefined {
  const calldata = new CalldataReader(data)
  const cursor = walkParamPath(calldata, path)
  return cursor === undefined ? undefined : calldata.word(cursor)
}

const declaredTime = 1_800_000_000

/** CallPolicy's verdict on a call, with `used[i]` already counted by limit i in the current period (or lifetime). */
function evaluate(config: Hex, data: Hex, used: bigint[] = []): PolicyEvaluation {
  const limits = decodeCallPolicyConfig(config).limits
  const usage = (i: number) => ({ periodId: limits[i]!.period === 0 ? 0n : BigInt(Math.floor(declaredTime / limits[i]!.period)), used: used[i] ?? 0n })
  return evaluateCallPolicy({ config, data, value: 0n, declaredTime, usage })
}

function refusal(result: PolicyEvaluation): string {
  return result.ok ? 'ok' : `${result.error.name}(${result.error.args.join(', ')})`
}

describe('callPolicy: the worked cases', () => {
  it('(a) exactInputSingle: a static tuple is flattened into head words 0, 1, 3, 4', () => {
    const p = callPolicy({
      address: router,
      abi: demoSwapRouterV3Abi,
      functionName: 'exactInputSingle',
      args: [{ tokenIn: eq(usdc), tokenOut: eq(weth), recipient: eq(account), amountIn: [lte(100_000000n), total(1_000_000000n)] }],
    })
    assert.equal(p.target, router)
    assert.equal(p.selector, toFunctionSelector('exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))'))
    assert.equal(p.valueLimit, 0n)
    assert.equal(p.policy, latchkeyModules.sessionKeyManager) // built in by default
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0)], valueType: address20, condition: { op: 'eq', value: BigInt(usdc) } }],
        [{ path: [field(1)], valueType: address20, condition: { op: 'eq', value: BigInt(weth) } }],
        [{ path: [field(3)], valueType: address20, condition: { op: 'eq', value: BigInt(account) } }],
        [{ path: [field(4)], valueType: word, condition: { op: 'lte', value: 100_000000n } }],
      ],
      limits: [{ kind: 'param', path: [field(4)], valueType: word, max: 1_000_000000n, period: 0 }],
    })
    const swap = (tokenIn: Address, recipient: Address, amountIn: bigint) =>
      encodeFunctionData({
        abi: demoSwapRouterV3Abi,
        functionName: 'exactInputSingle',
        args: [{ tokenIn, tokenOut: weth, fee: 3000, recipient, amountIn, amountOutMinimum: 7n, sqrtPriceLimitX96: 9n }],
      })
    const data = swap(usdc, account, 100_000000n)
    assert.equal(wordAt(data, [field(0)]), BigInt(usdc))
    assert.equal(wordAt(data, [field(2)]), 3000n) // fee
    assert.equal(wordAt(data, [field(4)]), 100_000000n)
    assert.equal(wordAt(data, [field(6)]), 9n) // sqrtPriceLimitX96
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, swap(weth, account, 1n))), 'CallPolicyRuleFailed(0)')
    assert.equal(refusal(evaluate(p.policyConfig, swap(usdc, router, 1n))), 'CallPolicyRuleFailed(2)')
    assert.equal(refusal(evaluate(p.policyConfig, swap(usdc, account, 100_000001n))), 'CallPolicyRuleFailed(3)')
    assert.equal(refusal(evaluate(p.policyConfig, data, [950_000000n])), 'PolicyLimitExceeded(0, 950000000, 100000000, 1000000000)')
  })

  it('(b) swapExactTokensForTokens: path[0] and path[last] are FIELD 2, ENTER, ELEMENT 0 / last (1 word); to is FIELD 3', () => {
    const p = callPolicy({
      address: router,
      abi: demoSwapRouterV2Abi,
      functionName: 'swapExactTokensForTokens',
      args: [undefined, undefined, { first: eq(usdc), last: eq(weth) }, eq(account), undefined],
    })
    assert.equal(p.selector, '0x38ed1739')
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(2), enter, element(0, 1)], valueType: address20, condition: { op: 'eq', value: BigInt(usdc) } }],
        [{ path: [field(2), enter, element('last', 1)], valueType: address20, condition: { op: 'eq', value: BigInt(weth) } }],
        [{ path: [field(3)], valueType: address20, condition: { op: 'eq', value: BigInt(account) } }],
      ],
      limits: [],
    })
    // The exact bytes: FIELD 2 = 00 0002, ENTER = 01, ELEMENT 0 / 0xffff of width 1 = 02 0000 01 / 02 ffff 01, address = 0x14, EQ = 00.
    const eqWord = (a: Address) => concat(['0x00', numberToHex(BigInt(a), { size: 32 })])
    assert.equal(
      p.policyConfig,
      concat([
        '0x03',
        concat(['0x01', '0x03', '0x000002', '0x01', '0x02000001', '0x14', eqWord(usdc)]),
        concat(['0x01', '0x03', '0x000002', '0x01', '0x02ffff01', '0x14', eqWord(weth)]),
        concat(['0x01', '0x01', '0x000003', '0x14', eqWord(account)]),
        '0x00',
      ]).toLowerCase(),
    )
    const swap = (path: Address[], to: Address) =>
      encodeFunctionData({ abi: demoSwapRouterV2Abi, functionName: 'swapExactTokensForTokens', args: [1n, 0n, path, to, 99n] })
    const data = swap([usdc, router, weth], account)
    assert.equal(wordAt(data, [field(2), enter]), 3n) // the length word
    assert.equal(wordAt(data, [field(2), enter, element(1, 1)]), BigInt(router))
    assert.equal(wordAt(data, [field(2), enter, element('last', 1)]), BigInt(weth))
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, swap([weth, usdc], account))), 'CallPolicyRuleFailed(0)')
    assert.equal(refusal(evaluate(p.policyConfig, swap([usdc, usdc], account))), 'CallPolicyRuleFailed(1)')
    assert.equal(refusal(evaluate(p.policyConfig, swap([usdc, weth], router))), 'CallPolicyRuleFailed(2)')
    assert.equal(refusal(evaluate(p.policyConfig, swap([], account))), 'CallPolicyParamUnreadable(0, 0)')
  })

  it('(c) safeMint(to): FIELD 0, address', () => {
    const p = callPolicy({ address: router, abi: demoNftAbi, functionName: 'safeMint', args: [eq(account)] })
    assert.equal(p.selector, toFunctionSelector('safeMint(address)'))
    assert.equal(p.policyConfig, concat(['0x0101', '0x01000000', '0x14', '0x00', numberToHex(BigInt(account), { size: 32 }), '0x00']))
    const mint = (to: Address) => encodeFunctionData({ abi: demoNftAbi, functionName: 'safeMint', args: [to] })
    assert.equal(refusal(evaluate(p.policyConfig, mint(account))), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, mint(router))), 'CallPolicyRuleFailed(0)')
  })

  it('(d) move(x, y): both uint8 in 0..7, at most 100 calls per hour', () => {
    const p = callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)], limits: { calls: { max: 100, period: 3600 } } })
    const uint8 = { kind: 'uint', bytes: 1 } as const
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0)], valueType: uint8, condition: { op: 'inRange', min: 0n, max: 7n } }],
        [{ path: [field(1)], valueType: uint8, condition: { op: 'inRange', min: 0n, max: 7n } }],
      ],
      limits: [{ kind: 'calls', max: 100n, period: 3600 }],
    })
    const move = (x: number, y: number) => encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [x, y] })
    assert.equal(refusal(evaluate(p.policyConfig, move(7, 0))), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, move(8, 0))), 'CallPolicyRuleFailed(0)')
    assert.equal(refusal(evaluate(p.policyConfig, move(0, 8))), 'CallPolicyRuleFailed(1)')
    assert.equal(refusal(evaluate(p.policyConfig, move(1, 1), [100n])), 'PolicyLimitExceeded(0, 100, 1, 100)')
  })
})

const exactInputAbi = [
  {
    type: 'function',
    name: 'exactInput',
    stateMutability: 'payable',
    outputs: [],
    inputs: [
      {
        name: 'params',
        type: 'tuple',
        components: [
          { name: 'path', type: 'bytes' },
          { name: 'recipient', type: 'address' },
          { name: 'amountIn', type: 'uint256' },
          { name: 'amountOutMinimum', type: 'uint256' },
        ],
      },
    ],
  },
] as const

const shapesAbi = [
  {
    type: 'function',
    name: 'nested',
    stateMutability: 'nonpayable',
    outputs: [],
    inputs: [
      { name: 'tag', type: 'bytes4' },
      { name: 'grid', type: 'uint256[][]' },
      { name: 'delta', type: 'int8' },
    ],
  },
  {
    type: 'function',
    name: 'statics',
    stateMutability: 'nonpayable',
    outputs: [],
    inputs: [
      { name: 'a', type: 'uint8' },
      { name: 'pairs', type: 'tuple[2]', components: [{ name: 'x', type: 'uint256' }, { name: 'y', type: 'address' }] },
      { name: 'b', type: 'address' },
      { name: 'names', type: 'string[2]' },
      { name: 'flags', type: 'bool[3]' },
    ],
  },
  {
    type: 'function',
    name: 'orders',
    stateMutability: 'nonpayable',
    outputs: [],
    inputs: [
      { name: 'orders', type: 'tuple[]', components: [{ name: 'token', type: 'address' }, { name: 'amount', type: 'uint128' }] },
      { name: 'notes', type: 'tuple[]', components: [{ name: 'who', type: 'address' }, { name: 'memo', type: 'string' }] },
      { name: '', type: 'tuple', components: [{ name: '', type: 'uint16' }, { name: '', type: 'bytes' }] },
    ],
  },
  { type: 'function', name: 'swap', stateMutability: 'nonpayable', outputs: [], inputs: [{ name: 'amount', type: 'uint256' }, { name: 'to', type: 'address' }] },
  { type: 'function', name: 'swap', stateMutability: 'nonpayable', outputs: [], inputs: [{ name: 'to', type: 'address' }] },
] as const

describe('callPolicy: paths through dynamic tuples, nested and static arrays', () => {
  it('exactInput((bytes path, address recipient, …)): the dynamic tuple is entered; path is entered again for SLICE_EQ', () => {
    const p = callPolicy({ address: router, abi: exactInputAbi, functionName: 'exactInput', args: [{ path: sliceEq(0, usdc), recipient: eq(account), amountIn: perPeriod(500n, 86_400) }] })
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0), enter, enter], valueType: word, condition: { op: 'sliceEq', start: 0, bytes: usdc.toLowerCase() } }],
        [{ path: [field(0), enter, field(1)], valueType: address20, condition: { op: 'eq', value: BigInt(account) } }],
      ],
      limits: [{ kind: 'param', path: [field(0), enter, field(2)], valueType: word, max: 500n, period: 86_400 }],
    })
    const swap = (first: Address, recipient: Address) =>
      encodeFunctionData({
        abi: exactInputAbi,
        functionName: 'exactInput',
        args: [{ path: concat([first, '0x000bb8', weth]), recipient, amountIn: 42n, amountOutMinimum: 1n }],
      })
    const data = swap(usdc, account)
    assert.equal(wordAt(data, [field(0), enter, enter]), 43n) // the path's length: 20 + 3 + 20
    assert.equal(wordAt(data, [field(0), enter, field(2)]), 42n)
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, swap(weth, account))), 'CallPolicyRuleFailed(0)')
    assert.equal(refusal(evaluate(p.policyConfig, swap(usdc, router))), 'CallPolicyRuleFailed(1)')
  })

  it('uint256[][]: DYN_ELEMENT into the inner arrays, ELEMENT into their words; bytes4 left-aligned; int8 signed', () => {
    const p = callPolicy({
      address: router,
      abi: shapesAbi,
      functionName: 'nested',
      args: [oneOf('0x12345678', '0xabcdef01'), { length: lte(3), first: { last: lte(5n) }, at: { 1: { length: gte(1), at: { 2: eq(9n) } } } }, lt(-1)],
    })
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0)], valueType: { kind: 'fixedBytes', bytes: 4 }, condition: { op: 'oneOf', values: [0x12345678n << 224n, 0xabcdef01n << 224n] } }],
        [{ path: [field(1), enter], valueType: word, condition: { op: 'lte', value: 3n } }],
        [{ path: [field(1), enter, dynElement(0), element('last', 1)], valueType: word, condition: { op: 'lte', value: 5n } }],
        [{ path: [field(1), enter, dynElement(1)], valueType: word, condition: { op: 'gte', value: 1n } }],
        [{ path: [field(1), enter, dynElement(1), element(2, 1)], valueType: word, condition: { op: 'eq', value: 9n } }],
        [{ path: [field(2)], valueType: { kind: 'int', bytes: 1 }, condition: { op: 'slt', value: (1n << 256n) - 1n } }],
      ],
      limits: [],
    })
    const call = (tag: Hex, grid: bigint[][], delta: number) => encodeFunctionData({ abi: shapesAbi, functionName: 'nested', args: [tag, grid, delta] })
    const data = call('0x12345678', [[1n, 5n], [0n, 0n, 9n]], -2)
    assert.equal(wordAt(data, [field(1), enter, dynElement(0), element('last', 1)]), 5n)
    assert.equal(wordAt(data, [field(1), enter, dynElement(1), element(2, 1)]), 9n)
    assert.equal(wordAt(data, [field(2)]), (1n << 256n) - 2n)
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
    assert.equal(refusal(evaluate(p.policyConfig, call('0x12345679', [[1n, 5n], [0n, 0n, 9n]], -2))), 'CallPolicyRuleFailed(0)')
    assert.equal(refusal(evaluate(p.policyConfig, call('0x12345678', [[1n, 6n], [0n, 0n, 9n]], -2))), 'CallPolicyRuleFailed(2)')
    assert.equal(refusal(evaluate(p.policyConfig, call('0x12345678', [[1n, 5n], [0n, 0n, 9n]], -1))), 'CallPolicyRuleFailed(5)')
    assert.equal(refusal(evaluate(p.policyConfig, call('0x12345678', [[1n, 5n], [0n, 0n, 9n]], 5))), 'CallPolicyRuleFailed(5)')
    assert.equal(refusal(evaluate(p.policyConfig, call('0x12345678', [[1n, 5n]], -2))), 'CallPolicyParamUnreadable(3, 0)')
  })

  it('static arrays are flattened (tuple[2] takes 4 head words); string[2] is a block of offsets; bool as 0/1', () => {
    const p = callPolicy({
      address: router,
      abi: shapesAbi,
      functionName: 'statics',
      args: [bitsAll(1), { first: { x: lte(10n) }, last: { y: eq(weth) } }, eq(usdc), { last: sliceEq(1, '0x6f') }, { at: { 1: eq(true) } }],
    })
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0)], valueType: { kind: 'uint', bytes: 1 }, condition: { op: 'bitsAll', mask: 1n } }],
        [{ path: [field(1)], valueType: word, condition: { op: 'lte', value: 10n } }],
        [{ path: [field(4)], valueType: address20, condition: { op: 'eq', value: BigInt(weth) } }],
        [{ path: [field(5)], valueType: address20, condition: { op: 'eq', value: BigInt(usdc) } }],
        [{ path: [field(6), enter, field(1), enter], valueType: word, condition: { op: 'sliceEq', start: 1, bytes: '0x6f' } }],
        [{ path: [field(8)], valueType: { kind: 'bool' }, condition: { op: 'eq', value: 1n } }],
      ],
      limits: [],
    })
    const data = encodeFunctionData({
      abi: shapesAbi,
      functionName: 'statics',
      args: [3, [{ x: 10n, y: usdc }, { x: 0n, y: weth }], usdc, ['hi', 'no'], [false, true, false]],
    })
    assert.equal(wordAt(data, [field(3)]), 0n) // pairs[1].x
    assert.equal(wordAt(data, [field(6), enter]), 64n) // the offset of names[0] in the array's block of two offsets
    assert.equal(wordAt(data, [field(6), enter, field(1), enter]), 2n) // the length of names[1]
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
  })

  it('arrays of tuples: ELEMENT i w with the tuple width for static tuples, DYN_ELEMENT for dynamic ones; unnamed components by position', () => {
    const p = callPolicy({
      address: router,
      abi: shapesAbi,
      functionName: 'orders',
      args: [{ at: { 1: { amount: [lte(5n), total(10n)] } } }, { last: { who: eq(account), memo: { length: lte(32) } } }, [neq(0), { slice: anyOf(sliceEq(0, '0x01'), sliceEq(0, '0x02')) }]],
    })
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig), {
      groups: [
        [{ path: [field(0), enter, element(1, 2), field(1)], valueType: { kind: 'uint', bytes: 16 }, condition: { op: 'lte', value: 5n } }],
        [{ path: [field(1), enter, dynElement('last')], valueType: address20, condition: { op: 'eq', value: BigInt(account) } }],
        [{ path: [field(1), enter, dynElement('last'), field(1), enter], valueType: word, condition: { op: 'lte', value: 32n } }],
        [{ path: [field(2), enter], valueType: { kind: 'uint', bytes: 2 }, condition: { op: 'neq', value: 0n } }],
        [
          { path: [field(2), enter, field(1), enter], valueType: word, condition: { op: 'sliceEq', start: 0, bytes: '0x01' } },
          { path: [field(2), enter, field(1), enter], valueType: word, condition: { op: 'sliceEq', start: 0, bytes: '0x02' } },
        ],
      ],
      limits: [{ kind: 'param', path: [field(0), enter, element(1, 2), field(1)], valueType: { kind: 'uint', bytes: 16 }, max: 10n, period: 0 }],
    })
    const data = encodeFunctionData({
      abi: shapesAbi,
      functionName: 'orders',
      args: [
        [
          { token: usdc, amount: 1n },
          { token: weth, amount: 5n },
        ],
        [{ who: account, memo: 'gm' }],
        [7, '0x0203'],
      ],
    })
    assert.equal(wordAt(data, [field(0), enter, element(1, 2), field(1)]), 5n)
    assert.equal(wordAt(data, [field(2), enter]), 7n)
    assert.equal(refusal(evaluate(p.policyConfig, data)), 'ok')
  })
})

describe('callPolicy: functions, arguments and limits that do not fit', () => {
  it('refuses an overloaded name and takes a full signature instead', () => {
    assert.throws(
      () => callPolicy({ address: router, abi: shapesAbi, functionName: 'swap', args: [eq(account)] }),
      (error: unknown) => error instanceof InvalidParameterError && /overloaded.*'swap\(uint256,address\)', 'swap\(address\)'/.test(error.message),
    )
    const p = callPolicy({ address: router, abi: shapesAbi, functionName: 'swap(address)', args: [eq(account)] })
    assert.equal(p.selector, toFunctionSelector('swap(address)'))
    const q = callPolicy({ address: router, abi: shapesAbi, functionName: 'swap(uint256 amount, address to)' as 'swap(uint256,address)', args: [lte(5n), undefined] })
    assert.equal(q.selector, toFunctionSelector('swap(uint256,address)'))
    assert.throws(() => callPolicy({ address: router, abi: shapesAbi, functionName: 'swap(address,address)' as 'swap(address)' }), /not in the ABI/)
  })

  it('refuses unknown functions, wrong argument counts and conditions of the wrong type', () => {
    const abi: Abi = shapesAbi
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'missing' }), /functionName: missing is not in the ABI/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [undefined] }), /1 entries for 3 parameters/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [undefined, undefined, total(5n)] }), /args\[2\].*int8 is not one/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [eq('0x1234'), undefined, undefined] }), /args\[0\].*not 4 bytes/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [undefined, undefined, lt(-129)] }), /-129 is not an int8/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [undefined, { frist: eq(1n) }, undefined] }), /args\[1\]\.frist.*unknown key/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'nested', args: [undefined, { at: { x: eq(1n) } }, undefined] }), /not an element index/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [eq(256), undefined, undefined, undefined, undefined] }), /256 is not a uint8/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [undefined, { at: { 2: eq(1n) } }, undefined, undefined, undefined] }), /from 0 to 1/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [undefined, undefined, eq(5n), undefined, undefined] }), /5n is not an address/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [undefined, undefined, sliceEq(0, '0x01'), undefined, undefined] }), /sliceEq\(\) is for bytes/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [inRange(5, 1), undefined, undefined, undefined, undefined] }), /never holds/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'statics', args: [[], undefined, undefined, undefined, undefined] }), /empty list/)
    assert.throws(() => callPolicy({ address: router, abi, functionName: 'orders', args: [undefined, { first: { memo: eq(1n) } }, undefined] }), /not a slice condition|eq\(\) on bytes/)
    assert.throws(() => callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', limits: { calls: { max: 0 } } }), /lets no call through/)
    assert.throws(() => callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', limits: { value: { max: 5n } } }), /valueLimit is 0/)
    assert.throws(() => callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', limits: { calls: { max: 1, period: 1.5 } } }), /period/)
    assert.throws(() => anyOf(), /at least one/)
    assert.throws(() => oneOf(), /at least one/)
    assert.throws(() => perPeriod(1n, 0), /seconds/)
  })

  it('orders limits as calls, value, then parameter totals; takes a value limit and a policy address', () => {
    const policy: Address = '0x000000000000000000000000000000000000c0de'
    const p = callPolicy({
      address: 'any-unsafe',
      abi: demoSwapRouterV3Abi,
      functionName: 'exactInputSingle',
      args: [{ amountIn: perPeriod(10n, 3600) }],
      valueLimit: 5n,
      limits: { value: { max: 50n, period: 60 }, calls: { max: 3n } },
      policy,
    })
    assert.equal(p.target, '0x0000000000000000000000000000000000000000')
    assert.equal(p.policy, policy)
    assert.equal(p.valueLimit, 5n)
    assert.deepEqual(decodeCallPolicyConfig(p.policyConfig).limits, [
      { kind: 'calls', max: 3n, period: 0 },
      { kind: 'value', max: 50n, period: 60 },
      { kind: 'param', path: [field(4)], valueType: word, max: 10n, period: 3600 },
    ])
    // No args: no argument rules, an empty config.
    assert.equal(callPolicy({ address: router, abi: demoGameAbi, functionName: 'move' }).policyConfig, '0x0000')
  })
})

/**
 * Compile-time checks: `npx tsc --noEmit -p .` fails if any line below a `@ts-expect-error` compiles.
 * Never called.
 */
export function typeLevelChecks(): void {
  callPolicy({
    address: router,
    abi: demoSwapRouterV3Abi,
    functionName: 'exactInputSingle',
    args: [
      {
        // @ts-expect-error a bigint condition on an address parameter
        tokenIn: eq(5n),
        // @ts-expect-error a limit on an address parameter
        recipient: total(5n),
        tokenOut: anyOf(eq(usdc), eq(weth)),
        amountIn: [lte(100_000000n), total(1_000_000000n)],
        fee: inRange(500, 10_000),
      },
    ],
  })
  callPolicy({
    address: router,
    abi: demoSwapRouterV3Abi,
    // @ts-expect-error not a function of the ABI
    functionName: 'exactInputSingel',
  })
  callPolicy({
    address: router,
    abi: demoSwapRouterV3Abi,
    functionName: 'exactInputSingle',
    // @ts-expect-error a misspelt component name
    args: [{ tokenin: eq(usdc) }],
  })
  // @ts-expect-error one entry for two parameters
  callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7)] })
  // @ts-expect-error an address condition on a uint8
  callPolicy({ address: router, abi: demoGameAbi, functionName: 'move', args: [eq(usdc), undefined] })
  callPolicy({
    address: router,
    abi: demoSwapRouterV2Abi,
    functionName: 'swapExactTokensForTokens',
    // @ts-expect-error `first` of address[] takes address conditions
    args: [undefined, undefined, { first: eq(1n) }, undefined, undefined],
  })
  // @ts-expect-error sliceEq is for bytes and string parameters
  callPolicy({ address: router, abi: demoNftAbi, functionName: 'safeMint', args: [sliceEq(0, '0x01')] })
  // @ts-expect-error int8 takes no total()
  callPolicy({ address: router, abi: shapesAbi, functionName: 'nested', args: [undefined, undefined, total(1n)] })
  // @ts-expect-error bytes take slices or { length, slice }, not eq()
  callPolicy({ address: router, abi: exactInputAbi, functionName: 'exactInput', args: [{ path: eq('0x01') }] })
  // @ts-expect-error static arrays have no length
  callPolicy({ address: router, abi: shapesAbi, functionName: 'statics', args: [undefined, { length: eq(2) }, undefined, undefined, undefined] })
  // An overloaded name takes either overload's arguments (checked at run time); a signature picks one.
  callPolicy({ address: router, abi: shapesAbi, functionName: 'swap', args: [eq(account)] })
  callPolicy({ address: router, abi: shapesAbi, functionName: 'swap(uint256,address)', args: [lte(1n), eq(account)] })
  // @ts-expect-error the signature picks swap(address)
  callPolicy({ address: router, abi: shapesAbi, functionName: 'swap(address)', args: [lte(1n)] })
  // Unnamed tuple components are positional; nested arrays and tuples nest.
  callPolicy({
    address: router,
    abi: shapesAbi,
    functionName: 'orders',
    args: [{ first: { token: oneOf(usdc, weth), amount: [lte(5n), perPeriod(10n, 3600)] } }, { at: { 0: { memo: sliceEq(0, '0x67') } } }, [gte(1), { length: lte(4) }]],
  })
  callPolicy({ address: router, abi: shapesAbi, functionName: 'nested', args: [eq('0x12345678'), { first: { first: eq(1n) } }, [lt(-1), neq(-5)]] })
  // An ABI that is not const: any name and any condition shape, checked at run time.
  const loose: Abi = shapesAbi
  callPolicy({ address: router, abi: loose, functionName: 'whatever', args: [eq(1n), { x: [lte(2n)] }] })
}
