import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytesToHex, keccak256 } from 'viem'
import { keccak256Bytes, keccak256Into, keccak256IntoByViem } from './keccak256Bytes.ts'
import { instantiateKeccakF1600 } from './keccakF1600Wasm.ts'

describe('keccak256Bytes', () => {
  it('has the WebAssembly permutation here (Node has WebAssembly), so the tests of keccak256Into test it', () => {
    assert.ok(instantiateKeccakF1600())
  })

  it('equals viem keccak256 at every length from 0 to 3 blocks and a byte (136-byte blocks)', () => {
    for (let length = 0; length <= 3 * 136 + 1; length++) {
      const input = Uint8Array.from({ length }, (_, i) => (i * 73 + length) & 0xff)
      assert.equal(bytesToHex(keccak256Bytes(input)), keccak256(input), `length ${length}`)
    }
  })

  it('equals viem keccak256 on known vectors and random inputs', () => {
    assert.equal(bytesToHex(keccak256Bytes(new Uint8Array())), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    assert.equal(bytesToHex(keccak256Bytes(new TextEncoder().encode('abc'))), '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
    fc.assert(fc.property(fc.uint8Array({ maxLength: 700 }), (input) => bytesToHex(keccak256Bytes(input)) === keccak256(input)))
  })

  for (const [name, hashInto] of [['WebAssembly', keccak256Into], ['viem, where WebAssembly cannot run', keccak256IntoByViem]] as const) {
    it(`${name}: hashes only the range asked for and writes only the 32 bytes asked for`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 40 }), fc.nat({ max: 40 }), fc.nat({ max: 40 }), (body, before, after, outAt) => {
          const input = new Uint8Array(before + body.length + after).fill(0xee)
          input.set(body, before)
          const out = new Uint8Array(outAt + 32 + 8).fill(0x77)
          hashInto(input, before, body.length, out, outAt)
          assert.equal(bytesToHex(out.subarray(outAt, outAt + 32)), keccak256(body))
          assert.ok(out.subarray(0, outAt).every((b) => b === 0x77) && out.subarray(outAt + 32).every((b) => b === 0x77))
        }),
      )
    })

    it(`${name}: reads all of its input before it writes, so the output may overwrite it`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 300 }), (input, at) => {
          const outAt = Math.min(at, input.length)
          const buffer = new Uint8Array(Math.max(input.length, outAt + 32))
          buffer.set(input)
          hashInto(buffer, 0, input.length, buffer, outAt)
          assert.equal(bytesToHex(buffer.subarray(outAt, outAt + 32)), keccak256(input))
        }),
      )
    })
  }
})
