import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytesToHex, hexToBytes } from 'viem'
import { bytes32ToHex, decodeHex, decodeHexInto } from './hexBytes.ts'

describe('hex ⇄ bytes', () => {
  it('decodes as viem does, digits in either case and an odd count led by a 0', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), fc.boolean(), (bytes, upper, dropFirstDigit) => {
        let hex = bytesToHex(bytes)
        if (upper) hex = `0x${hex.slice(2).toUpperCase()}`
        if (dropFirstDigit && hex.length > 2) hex = `0x${hex.slice(3)}`
        assert.deepEqual(decodeHex(hex), hexToBytes(hex))
      }),
    )
  })

  it('refuses what is not 0x and hex digits', () => {
    for (const bad of ['', '12', '0x1g', '0xzz', '0x12 ', '0x１２', 'x0ab']) assert.equal(decodeHex(bad), undefined, bad)
    assert.deepEqual(decodeHex('0x'), new Uint8Array())
    // In place, only an even number of digits: an odd one would shift what follows by a nibble.
    assert.equal(decodeHexInto('0x123', new Uint8Array(2), 0), false)
    const out = new Uint8Array(4)
    assert.equal(decodeHexInto('0xA1b2', out, 1), true)
    assert.deepEqual(out, Uint8Array.from([0, 0xa1, 0xb2, 0]))
  })

  it('writes 32 bytes from any offset as lowercase hex, as viem does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 80 }), fc.nat(), (bytes, offset) => {
        const at = offset % (bytes.length - 31)
        assert.equal(bytes32ToHex(bytes, at), bytesToHex(bytes.subarray(at, at + 32)))
      }),
    )
  })
})
