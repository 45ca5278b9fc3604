import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFunctionData, encodeAbiParameters, encodeFunctionData, slice, type Address, type Hex } from 'viem'
import { decodeExecute, encodeExecute, erc7579ExecuteAbi, executionMode, isCanonicalExecute } from './execution.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'

const a: Address = '0x1111111111111111111111111111111111111111'
const b: Address = '0x2222222222222222222222222222222222222222'

describe('ERC-7579 execute encoding', () => {
  it('encodes one call as a single execution: target ‖ value ‖ data, packed', () => {
    const data = encodeExecute([{ to: a, value: 5n, data: '0xdeadbeef' }])
    assert.equal(slice(data, 0, 4), '0xe9ae5c53') // execute(bytes32,bytes)
    const { args } = decodeFunctionData({ abi: erc7579ExecuteAbi, data })
    assert.equal(args[0], executionMode.single)
    assert.equal(args[1], `${a}${'0'.repeat(63)}5deadbeef`.toLowerCase())
    assert.deepEqual(decodeExecute(data), [{ to: a, value: 5n, data: '0xdeadbeef' }])
  })

  it('decodes the try exec type like the default one, and refuses delegatecall and payloads', () => {
    const single = encodeExecute([{ to: a, value: 5n, data: '0xdeadbeef' }])
    const batch = encodeExecute([{ to: a }, { to: b, value: 1n }])
    const withExecType = (data: `0x${string}`, byte: string) => `${data.slice(0, 12)}${byte}${data.slice(14)}` as `0x${string}`
    assert.deepEqual(decodeExecute(withExecType(single, '01')), decodeExecute(single))
    assert.deepEqual(decodeExecute(withExecType(batch, '01')), decodeExecute(batch))
    assert.throws(() => decodeExecute(withExecType(single, '02')), InvalidParameterError)
    assert.throws(() => decodeExecute(`${single.slice(0, 10)}ff${single.slice(12)}` as `0x${string}`), InvalidParameterError) // delegatecall
  })

  it('encodes several calls as a batch and decodes them back in order', () => {
    const calls = [
      { to: a, value: 0n, data: '0x01' as const },
      { to: b, value: 7n, data: '0x' as const },
      { to: a, value: 1n, data: '0xa9059cbb' as const },
    ]
    const data = encodeExecute(calls)
    const { args } = decodeFunctionData({ abi: erc7579ExecuteAbi, data })
    assert.equal(args[0], executionMode.batch)
    assert.deepEqual(
      decodeExecute(data).map((c) => ({ ...c, to: c.to.toLowerCase() })),
      calls.map((c) => ({ ...c, to: c.to.toLowerCase() })),
    )
  })

  it('fills a missing value and data with zero and empty', () => {
    assert.deepEqual(decodeExecute(encodeExecute([{ to: b }])), [{ to: b, value: 0n, data: '0x' }])
  })

  it('refuses an empty call list with a typed error', () => {
    assert.throws(() => encodeExecute([]), InvalidParameterError)
  })

  it('refuses to decode a delegatecall mode', () => {
    const data = encodeExecute([{ to: a }]).replace(/^0xe9ae5c5300/, '0xe9ae5c53ff') as `0x${string}`
    assert.throws(() => decodeExecute(data), /unsupported ERC-7579 execution mode/)
  })
})

describe('isCanonicalExecute', () => {
  const a: Address = '0x00000000000000000000000000000000000000aa'
  const b: Address = '0x00000000000000000000000000000000000000bb'
  it('accepts what encodeExecute makes, single and batch, and a batch of one', () => {
    assert.equal(isCanonicalExecute(encodeExecute([{ to: a, value: 1n, data: '0x1234' }])), true)
    assert.equal(isCanonicalExecute(encodeExecute([{ to: a }, { to: b, data: '0xabcd' }])), true)
    const executions = encodeAbiParameters([{ type: 'tuple[]', components: [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }] }], [[[a, 0n, '0x']]])
    const batchOfOne = encodeFunctionData({ abi: erc7579ExecuteAbi, functionName: 'execute', args: [executionMode.batch, executions] })
    assert.equal(isCanonicalExecute(batchOfOne), true)
  })
  it('refuses dirty address bits, trailing bytes and what does not decode', () => {
    const batch = encodeExecute([{ to: a }, { to: b }]).toLowerCase()
    const word = `000000000000000000000000${a.slice(2)}`
    assert.ok(batch.includes(word))
    assert.equal(isCanonicalExecute(batch.replace(word, `000000000000000000000001${a.slice(2)}`) as Hex), false)
    assert.equal(isCanonicalExecute(`${batch}00` as Hex), false)
    assert.equal(isCanonicalExecute('0x1234'), false)
  })
})
