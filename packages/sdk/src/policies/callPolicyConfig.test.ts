import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from 'viem'
import { PolicyConfigError } from '../errors/policy.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { decodeCallPolicyConfig, encodeCallPolicyConfig } from './callPolicyConfig.ts'
import type { CallPolicyConfig } from './policyTypes.ts'

const hex = (...parts: string[]) => `0x${parts.join('')}` as Hex
const word = (value: bigint) => value.toString(16).padStart(64, '0')

/** Every step, value type, operator and limit kind once. */
const everything: CallPolicyConfig = {
  groups: [
    [
      { path: [{ step: 'field', index: 3 }], valueType: { kind: 'uint', bytes: 20 }, condition: { op: 'eq', value: 0xabn } },
      { path: [], valueType: { kind: 'word' }, condition: { op: 'neq', value: 0n } },
    ],
    [
      { path: [{ step: 'field', index: 2 }, { step: 'enter' }, { step: 'element', index: 'last', words: 1 }], valueType: { kind: 'uint', bytes: 20 }, condition: { op: 'oneOf', values: [1n, 2n, 3n] } },
    ],
    [{ path: [{ step: 'field', index: 0 }, { step: 'enter' }, { step: 'dynElement', index: 7 }], valueType: { kind: 'word' }, condition: { op: 'sliceEq', start: 4, bytes: '0xdeadbeef' } }],
    [{ path: [{ step: 'field', index: 65535 }], valueType: { kind: 'int', bytes: 3 }, condition: { op: 'sInRange', min: (1n << 256n) - 10n, max: 10n } }],
    [{ path: [{ step: 'dynElement', index: 'last' }], valueType: { kind: 'fixedBytes', bytes: 4 }, condition: { op: 'bitsAll', mask: 0xffn << 224n } }],
    ...(['lt', 'lte', 'gt', 'gte', 'slt', 'slte', 'sgt', 'sgte'] as const).map((op) => [{ path: [], valueType: { kind: 'int', bytes: 31 }, condition: { op, value: 5n } }] as const),
    [
      { path: [], valueType: { kind: 'word' }, condition: { op: 'inRange', min: 1n, max: 2n } },
      { path: [], valueType: { kind: 'word' }, condition: { op: 'bitsAny', mask: 1n } },
      { path: [], valueType: { kind: 'word' }, condition: { op: 'bitsNone', mask: 2n } },
      { path: [], valueType: { kind: 'word' }, condition: { op: 'sliceEq', start: 0, bytes: '0x' } },
    ],
  ],
  limits: [
    { kind: 'calls', max: 3n, period: 0 },
    { kind: 'value', max: 10n ** 18n, period: 86_400 },
    { kind: 'param', path: [{ step: 'field', index: 4 }], valueType: { kind: 'uint', bytes: 1 }, max: (1n << 256n) - 1n, period: 0xffffffff },
    { kind: 'param', path: [{ step: 'field', index: 0 }], valueType: { kind: 'word' }, max: 0n, period: 1 },
  ],
}

describe('CallPolicy config encoding', () => {
  it('writes a one-rule, one-limit config byte for byte', () => {
    const config = encodeCallPolicyConfig({
      groups: [[{ path: [{ step: 'field', index: 1 }], valueType: { kind: 'uint', bytes: 20 }, condition: { op: 'eq', value: 0xabn } }]],
      limits: [{ kind: 'calls', max: 3n, period: 3600 }],
    })
    const expected = hex(
      '01', // one group
      '01', // of one rule
      '01', '00', '0001', // path: one step, FIELD 1
      '14', // uint160 / address
      '00', word(0xabn), // EQ 0xab
      '01', // one limit
      '00', word(3n), '00000e10', // CALLS, max 3, per 3600 s
    )
    assert.equal(config, expected)
  })

  it('writes the other steps, operators and limit kinds as docs/policies.md §3 says', () => {
    const config = encodeCallPolicyConfig({
      groups: [
        [
          {
            path: [{ step: 'field', index: 2 }, { step: 'enter' }, { step: 'element', index: 'last', words: 2 }, { step: 'dynElement', index: 5 }],
            valueType: { kind: 'int', bytes: 3 },
            condition: { op: 'oneOf', values: [7n, 9n] },
          },
          { path: [], valueType: { kind: 'word' }, condition: { op: 'sliceEq', start: 0x102, bytes: '0xA1B2' } },
          { path: [], valueType: { kind: 'fixedBytes', bytes: 4 }, condition: { op: 'sInRange', min: 1n, max: 2n } },
        ],
      ],
      limits: [{ kind: 'param', path: [{ step: 'field', index: 4 }], valueType: { kind: 'word' }, max: 1000n, period: 0 }],
    })
    const expected = hex(
      '01', '03',
      '04', '00', '0002', '01', '02', 'ffff', '02', '03', '0005', // FIELD 2, ENTER, ELEMENT last ×2, DYN_ELEMENT 5
      '43', '0c', '02', word(7n), word(9n), // int24, ONE_OF [7, 9]
      '00', '00', '10', '0102', '0002', 'a1b2', // empty path, word, SLICE_EQ start 0x102 length 2, lowercased
      '00', '84', '0b', word(1n), word(2n), // empty path, bytes4, SIN_RANGE
      '01', '02', '01', '00', '0004', '00', word(1000n), '00000000', // PARAM at FIELD 4, word, max 1000, lifetime
    )
    assert.equal(config, expected)
  })

  it('round-trips every step, value type, operator and limit kind', () => {
    assert.deepEqual(decodeCallPolicyConfig(encodeCallPolicyConfig(everything)), everything)
    const empty = { groups: [], limits: [] }
    assert.equal(encodeCallPolicyConfig(empty), '0x0000')
    assert.deepEqual(decodeCallPolicyConfig('0x0000'), empty)
  })

  it('names the field it cannot encode', () => {
    const rule = everything.groups[0]![0]!
    const refuses = (config: CallPolicyConfig, field: RegExp) =>
      assert.throws(() => encodeCallPolicyConfig(config), (e: unknown) => e instanceof InvalidParameterError && field.test(e.parameter))
    refuses({ groups: [[]], limits: [] }, /^config\.groups\[0\]$/)
    refuses({ groups: Array.from({ length: 256 }, () => [rule]), limits: [] }, /^config\.groups \(count\)$/)
    refuses({ groups: [[{ ...rule, valueType: { kind: 'uint', bytes: 32 } }]], limits: [] }, /^config\.groups\[0\]\[0\]\.valueType\.bytes$/)
    refuses({ groups: [[{ ...rule, valueType: { kind: 'int', bytes: 0 } }]], limits: [] }, /valueType\.bytes$/)
    refuses({ groups: [[{ ...rule, path: [{ step: 'field', index: 65536 }] }]], limits: [] }, /^config\.groups\[0\]\[0\]\.path\[0\]\.index$/)
    refuses({ groups: [[{ ...rule, path: [{ step: 'element', index: 0xffff, words: 1 }] }]], limits: [] }, /path\[0\]\.index$/)
    refuses({ groups: [[{ ...rule, path: [{ step: 'element', index: 0, words: 0 }] }]], limits: [] }, /path\[0\]\.words$/)
    refuses({ groups: [[{ ...rule, path: [{ step: 'element', index: 0, words: 256 }] }]], limits: [] }, /path\[0\]\.words$/)
    refuses({ groups: [[{ ...rule, condition: { op: 'eq', value: -1n } }]], limits: [] }, /condition\.value$/)
    refuses({ groups: [[{ ...rule, condition: { op: 'eq', value: 1n << 256n } }]], limits: [] }, /condition\.value$/)
    refuses({ groups: [[{ ...rule, condition: { op: 'oneOf', values: [] } }]], limits: [] }, /condition\.values$/)
    refuses({ groups: [[{ ...rule, condition: { op: 'sliceEq', start: 0, bytes: '0x01' } }]], limits: [] }, /^config\.groups\[0\]\[0\]\.condition$/)
    refuses({ groups: [[{ ...rule, valueType: { kind: 'word' }, condition: { op: 'sliceEq', start: 0, bytes: '0x123' } }]], limits: [] }, /condition\.bytes$/)
    refuses({ groups: [], limits: [{ kind: 'calls', max: 1n, period: 2 ** 32 }] }, /^config\.limits\[0\]\.period$/)
    refuses({ groups: [], limits: [{ kind: 'calls', max: 1n, period: 1.5 }] }, /^config\.limits\[0\]\.period$/)
    refuses({ groups: [], limits: [{ kind: 'param', path: [], valueType: { kind: 'int', bytes: 4 }, max: 1n, period: 0 }] }, /^config\.limits\[0\]\.valueType$/)
    refuses({ groups: [], limits: [{ kind: 'param', path: [], valueType: { kind: 'fixedBytes', bytes: 4 }, max: 1n, period: 0 }] }, /valueType$/)
  })
})

describe('CallPolicy config decoding', () => {
  const valid = encodeCallPolicyConfig(everything)
  const malformed = (config: Hex, problem: RegExp) =>
    assert.throws(() => decodeCallPolicyConfig(config), (e: unknown) => e instanceof PolicyConfigError && e.policy === 'CallPolicy' && problem.test(e.problem))

  it('refuses a config cut anywhere, and bytes left over', () => {
    for (let cut = 2; cut < valid.length; cut += 2) malformed(valid.slice(0, cut) as Hex, /cut short/)
    malformed(`${valid}00`, /1 byte left after the last limit/)
    malformed('0x', /cut short reading the group count/)
    malformed('0x00', /cut short reading the limit count/)
  })

  const oneRule = (path: string, valueType: string, operator: string) => hex('01', '01', path, valueType, operator, '00')
  it('refuses unknown steps, widths of 0, unknown value types and operators, ONE_OF of none and SLICE_EQ on a typed value', () => {
    malformed(oneRule('0104', '00', `00${word(0n)}`), /unknown path step 0x04/)
    malformed(oneRule('01020000' + '00', '00', `00${word(0n)}`), /element width of 0/)
    for (const code of ['21', '40', '60', '7f', '80', 'a0', 'c1', 'ff']) malformed(oneRule('00', code, `00${word(0n)}`), new RegExp(`unknown value type 0x${code}`))
    malformed(oneRule('00', '00', `11${word(0n)}`), /unknown operator 0x11/)
    malformed(oneRule('00', '00', '0c00'), /ONE_OF with count 0/)
    malformed(oneRule('00', '14', '10' + '0000' + '0000'), /SLICE_EQ with a value type other than 0x00/)
  })

  it('refuses unknown limit kinds and PARAM limits on bool, signed or fixed-bytes values', () => {
    malformed(hex('00', '01', '03', word(1n), '00000000'), /unknown limit kind 0x03/)
    malformed(hex('00', '01', '02', '00', '43', word(1n), '00000000'), /PARAM limit on a bool, signed or fixed-bytes/)
    malformed(hex('00', '01', '02', '00', '84', word(1n), '00000000'), /PARAM limit on a bool, signed or fixed-bytes/)
    malformed(hex('00', '01', '02', '00', '20', word(1n), '00000000'), /PARAM limit on a bool, signed or fixed-bytes/)
    malformed(hex('00', '01', '02', '00', '21', word(1n), '00000000'), /unknown value type 0x21/)
    assert.deepEqual(decodeCallPolicyConfig(hex('00', '01', '02', '00', '1f', word(1n), '00000000')).limits[0], {
      kind: 'param',
      path: [],
      valueType: { kind: 'uint', bytes: 31 },
      max: 1n,
      period: 0,
    })
  })

  it('decodes a group with no rule (the contract takes it; it never passes) and index 0xffff as last', () => {
    assert.deepEqual(decodeCallPolicyConfig('0x010000').groups, [[]])
    const config = decodeCallPolicyConfig(oneRule('0203fffe02ffff01', '00', `00${word(0n)}`))
    assert.deepEqual(config.groups[0]![0]!.path, [
      { step: 'dynElement', index: 0xfffe },
      { step: 'element', index: 'last', words: 1 },
    ])
  })
})
