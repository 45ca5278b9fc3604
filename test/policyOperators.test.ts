/**
 * Every operator and addressing mode of the ABI policy, both sides, on chain through the bundler: one
 * permission whose CallPolicy has one rule group per operator/mode (26 groups, an OR group among them) and
 * a native-value total. A call that satisfies all of them goes through Alto; for each group a call that
 * breaks only that group is refused by the bundler (AA23) and the replay names that group.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseEther, type Address, type Hex } from 'viem'
import { argumentSinkAbi, argumentSinkBytecode } from '@latchkey/contracts/testing'
import {
  anyOf,
  bitsAll,
  bitsAny,
  bitsNone,
  callPolicy,
  eq,
  gt,
  gte,
  inRange,
  lt,
  lte,
  neq,
  oneOf,
  sliceEq,
  type Call,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { expectRefusedOnChain, grantedPolicySession, sendSession } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
let sink: Address
before(async () => {
  devnet = await useDevnet()
  const { createWalletClient, http } = await import('viem')
  const { privateKeyToAccount } = await import('viem/accounts')
  const deployer = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
  const hash = await deployer.deployContract({ abi: argumentSinkAbi, bytecode: argumentSinkBytecode })
  sink = (await devnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
})

const A: Address = '0x000000000000000000000000000000000000000a'
const B: Address = '0x000000000000000000000000000000000000000b'
const C: Address = '0x000000000000000000000000000000000000000c'

type Args = {
  nums: bigint[]
  signed: bigint[]
  who: Address
  tag: Hex
  flags: number
  memo: Hex
  path: Address[]
  items: { id: bigint; note: Hex }[]
  pair: { a: Address; b: bigint }
}

const good: Args = {
  nums: [100n, 100n, 100n, 100n, 100n, 100n, 100n, 100n],
  signed: [-5n, -5n, -5n, -5n, -5n],
  who: B,
  tag: '0xcafebabe',
  flags: 0b1101,
  memo: '0xdeadbeef01',
  path: [A, C, B],
  items: [
    { id: 1n, note: '0x' },
    { id: 2n, note: '0xbeef' },
  ],
  pair: { a: A, b: 7n },
}

const callWith = (args: Args, value = 0n): Call => ({
  to: sink,
  value,
  data: encodeFunctionData({
    abi: argumentSinkAbi,
    functionName: 'accept',
    args: [args.nums as never, args.signed as never, args.who, args.tag as `0x${string}`, args.flags, args.memo, args.path, args.items, args.pair],
  }),
})

const setNum = (a: Args, i: number, v: bigint): Args => ({ ...a, nums: a.nums.map((x, j) => (j === i ? v : x)) })
const setSigned = (a: Args, i: number, v: bigint): Args => ({ ...a, signed: a.signed.map((x, j) => (j === i ? v : x)) })

/** Each group of the policy below, in order, and a change to the good arguments that breaks only it. */
const groups: [name: string, breaks: (args: Args) => Args][] = [
  ['eq (nums[0] = 100)', (a) => setNum(a, 0, 101n)],
  ['neq (nums[1] ≠ 7)', (a) => setNum(a, 1, 7n)],
  ['lt (nums[2] < 101)', (a) => setNum(a, 2, 101n)],
  ['lte (nums[3] ≤ 100)', (a) => setNum(a, 3, 101n)],
  ['gt (nums[4] > 99)', (a) => setNum(a, 4, 99n)],
  ['gte (nums[5] ≥ 100)', (a) => setNum(a, 5, 99n)],
  ['inRange (nums[6] in 50..150)', (a) => setNum(a, 6, 151n)],
  ['OR group (nums[7] = 1 or nums[7] = 100, or pair.b = 9)', (a) => setNum(a, 7, 2n)],
  ['slt (signed[0] < 0)', (a) => setSigned(a, 0, 0n)],
  ['slte (signed[1] ≤ −5)', (a) => setSigned(a, 1, -4n)],
  ['sgt (signed[2] > −6)', (a) => setSigned(a, 2, -6n)],
  ['sgte (signed[3] ≥ −5)', (a) => setSigned(a, 3, -6n)],
  ['sInRange (signed[4] in −10..10)', (a) => setSigned(a, 4, -11n)],
  ['oneOf (who ∈ {A, B})', (a) => ({ ...a, who: C })],
  ['fixed bytes eq (tag = 0xcafebabe)', (a) => ({ ...a, tag: '0xcafebabf' })],
  ['bitsAll (flags has 0b0101)', (a) => ({ ...a, flags: 0b1100 })],
  ['bitsAny (flags has some of 0b1000)', (a) => ({ ...a, flags: 0b0101 })],
  ['bitsNone (flags has none of 0b0010)', (a) => ({ ...a, flags: 0b1111 })],
  ['sliceEq on bytes (memo starts 0xdeadbeef)', (a) => ({ ...a, memo: '0xdeadbeee01' })],
  ['dynamic array length (path ≤ 3 long)', (a) => ({ ...a, path: [A, C, C, B] })],
  ['first element (path[0] = A)', (a) => ({ ...a, path: [C, C, B] })],
  ['element i (path[1] = C)', (a) => ({ ...a, path: [A, A, B] })],
  ['last element (path[last] = B)', (a) => ({ ...a, path: [A, C, C] })],
  ['member of a dynamic tuple element (items[0].id = 1)', (a) => ({ ...a, items: [{ id: 3n, note: '0x' }, a.items[1]!] })],
  ['slice of bytes in the last dynamic tuple (items[last].note starts 0xbeef)', (a) => ({ ...a, items: [a.items[0]!, { id: 2n, note: '0xbeee' }] })],
  ['member of a static tuple (pair.a = A)', (a) => ({ ...a, pair: { a: B, b: 7n } })],
]

describe('every operator and addressing mode, both sides, through the bundler', () => {
  it(`a call meeting all ${groups.length} groups passes; a call breaking any one group is refused, naming it`, async (t) => {
    const permission = callPolicy({
      address: sink,
      abi: argumentSinkAbi,
      functionName: 'accept',
      valueLimit: parseEther('0.01'),
      limits: { value: { max: parseEther('0.015') } },
      args: [
        { at: { 0: eq(100n), 1: neq(7n), 2: lt(101n), 3: lte(100n), 4: gt(99n), 5: gte(100n), 6: inRange(50n, 150n), 7: anyOf(eq(1n), eq(100n)) } },
        { at: { 0: lt(0n), 1: lte(-5n), 2: gt(-6n), 3: gte(-5n), 4: inRange(-10n, 10n) } },
        oneOf(A, B),
        eq('0xcafebabe'),
        [bitsAll(0b0101), bitsAny(0b1000), bitsNone(0b0010)],
        sliceEq(0, '0xdeadbeef'),
        { length: lte(3n), first: eq(A), at: { 1: eq(C) }, last: eq(B) },
        { at: { 0: { id: eq(1n) } }, last: { note: sliceEq(0, '0xbeef') } },
        { a: eq(A), b: undefined },
      ],
    })
    // The OR group (group 7) gets a third alternative on another parameter: pair.b = 9.
    const { decodeCallPolicyConfig, encodeCallPolicyConfig } = await import('@latchkey/sdk')
    const config = decodeCallPolicyConfig(permission.policyConfig)
    const pairB = callPolicy({ address: sink, abi: argumentSinkAbi, functionName: 'accept', args: [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, { a: undefined, b: eq(9n) }] })
    const built = config.groups.map((group, i) => (i === 7 ? [...group, ...decodeCallPolicyConfig(pairB.policyConfig).groups[0]!] : group))
    assert.equal(built.length, groups.length)
    assert.equal(built[7]!.length, 3)
    const policyConfig = encodeCallPolicyConfig({ groups: built, limits: config.limits })

    const { checked, unchecked } = await grantedPolicySession(devnet, [{ ...permission, policyConfig }])
    await sendSession(devnet, checked, [callWith(good, parseEther('0.01'))])
    for (const [index, [name, breaks]] of groups.entries()) {
      await t.test(name, () => expectRefusedOnChain(devnet, unchecked, [callWith(breaks(good))], new RegExp(`CallPolicyRuleFailed\\(${index}\\)`)))
    }
    // The native value total: 0.01 used, 0.01 more would pass 0.015; 0.005 is exactly the rest.
    await expectRefusedOnChain(devnet, unchecked, [callWith(good, parseEther('0.01'))], /PolicyLimitExceeded\(0, 10000000000000000, 10000000000000000, 15000000000000000\)/)
    // The OR group's third alternative alone (pair.b = 9, nums[7] neither 1 nor 100) lets the call through.
    await sendSession(devnet, checked, [callWith({ ...setNum(good, 7, 2n), pair: { a: A, b: 9n } }, parseEther('0.005'))])
    assert.equal(await devnet.publicClient.readContract({ address: sink, abi: argumentSinkAbi, functionName: 'calls', args: [checked.address] }), 2n)
  })
})
