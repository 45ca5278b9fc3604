/**
 * FrostSignerVerifier, the on-chain check of FROST(secp256k1, SHA-256) signatures (RFC 9591), against the RFC's
 * test vector and, differentially, against @noble/curves' `secp256k1_FROST.verify` on random valid and malformed
 * signatures, by eth_call to the verifier the devnet deploys.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, concat, hexToBigInt, hexToBytes, keccak256, numberToHex, pad, size, slice, stringToHex, toHex, type Hex } from 'viem'
import { secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { frostSignerVerifierAbi } from '@latchkey/contracts'
import { frostOnChainSignature, frostSignerKey } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const word = (n: bigint) => numberToHex(n, { size: 32 })

const verifyOnChain = (publicKey: Hex, message: Hex, signature: Hex) =>
  devnet.publicClient.readContract({ address: devnet.contracts.frostSignerVerifier, abi: frostSignerVerifierAbi, functionName: 'verify', args: [publicKey, message, signature] })

/** @noble's verdict on the same (key, message, signature) in the verifier's formats: points must decode, z be a scalar. */
function verifyWithNoble(publicKey: Hex, message: Hex, signature: Hex): boolean {
  if (size(publicKey) !== 64 || size(signature) !== 96) return false
  try {
    const pk = secp256k1.Point.fromBytes(hexToBytes(concat(['0x04', publicKey]))).toBytes(true)
    const r = secp256k1.Point.fromBytes(hexToBytes(concat(['0x04', slice(signature, 0, 64)]))).toBytes(true)
    const z = hexToBigInt(slice(signature, 64))
    if (z >= N) return false
    return secp256k1_FROST.verify(concat([r, hexToBytes(slice(signature, 64))]) as unknown as Uint8Array, hexToBytes(message), pk)
  } catch {
    return false
  }
}

describe('FrostSignerVerifier', () => {
  it('accepts the RFC 9591 test vector (FROST(secp256k1, SHA-256), 2-of-3, message "test") and refuses it altered', async () => {
    const vector = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'frost-secp256k1-sha256.json'), 'utf8'))
    const publicKey = frostSignerKey(`0x${vector.inputs.group_public_key}`)
    const signature = frostOnChainSignature(`0x${vector.final_output.sig}`)
    const message: Hex = `0x${vector.inputs.message}`
    assert.equal(secp256k1_FROST.verify(hexToBytes(`0x${vector.final_output.sig}`), hexToBytes(message), hexToBytes(`0x${vector.inputs.group_public_key}`)), true)
    assert.equal(await verifyOnChain(publicKey, message, signature), true)
    assert.equal(await verifyOnChain(publicKey, stringToHex('tesu'), signature), false)
    const z = hexToBigInt(slice(signature, 64))
    assert.equal(await verifyOnChain(publicKey, message, concat([slice(signature, 0, 64), word((z + 1n) % N)])), false)
  })

  it('agrees with @noble/curves on random valid and malformed signatures', async () => {
    const cases = Number(process.env.LATCHKEY_FUZZ_CASES ?? 300)
    const mutations = ['none', 'z+1', 'z+n', 'z=0', 'message', 'R negated', 'R off curve', 'R.x ≥ p', 'pk negated', 'pk off curve', 'pk other', 'short signature', 'long key', 'zero R'] as const
    const caseArbitrary = fc.record({
      secret: fc.bigInt({ min: 1n, max: N - 1n }),
      other: fc.bigInt({ min: 1n, max: N - 1n }),
      message: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      mutation: fc.constantFrom(...mutations),
    })
    const counts = new Map<string, { agree: number; accepted: number }>()
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async ({ secret, other, message, mutation }) => {
        const secretKey = hexToBytes(word(secret))
        const signature65 = secp256k1_FROST.sign(message, secretKey)
        let publicKey = frostSignerKey(secp256k1.Point.BASE.multiply(secret).toBytes(true))
        let signature = frostOnChainSignature(signature65)
        let msg = bytesToHex(message)
        const [rX, rY, z] = [hexToBigInt(slice(signature, 0, 32)), hexToBigInt(slice(signature, 32, 64)), hexToBigInt(slice(signature, 64))]
        const [pX, pY] = [hexToBigInt(slice(publicKey, 0, 32)), hexToBigInt(slice(publicKey, 32))]
        switch (mutation) {
          case 'z+1': signature = concat([word(rX), word(rY), word((z + 1n) % N)]); break
          // z + n (the same scalar, not reduced) when it fits in a word, else another word ≥ n.
          case 'z+n': signature = concat([word(rX), word(rY), word(z + N < 2n ** 256n ? z + N : N + (z % (2n ** 256n - N)))]); break
          case 'z=0': signature = concat([word(rX), word(rY), word(0n)]); break
          case 'message': msg = keccak256(msg); break
          case 'R negated': signature = concat([word(rX), word(P - rY), word(z)]); break
          case 'R off curve': signature = concat([word(rX), word((rY + 1n) % P), word(z)]); break
          case 'R.x ≥ p': signature = concat([word(rX + P < 2n ** 256n ? rX + P : P + (rX % (2n ** 256n - P))), word(rY), word(z)]); break
          case 'pk negated': publicKey = concat([word(pX), word(P - pY)]); break
          case 'pk off curve': publicKey = concat([word(pX), word((pY + 1n) % P)]); break
          case 'pk other': publicKey = frostSignerKey(secp256k1.Point.BASE.multiply(other).toBytes(true)); break
          case 'short signature': signature = slice(signature, 0, 95); break
          case 'long key': publicKey = concat([publicKey, '0x00']); break
          case 'zero R': signature = concat([pad('0x00'), pad('0x00'), word(z)]); break
        }
        const expected = verifyWithNoble(publicKey, msg, signature)
        const actual = await verifyOnChain(publicKey, msg, signature)
        const count = counts.get(mutation) ?? { agree: 0, accepted: 0 }
        count.agree += 1
        if (actual) count.accepted += 1
        counts.set(mutation, count)
        assert.equal(actual, expected, `mutation ${mutation}: chain ${actual}, noble ${expected}; key ${publicKey}, message ${msg}, signature ${signature}`)
        if (mutation === 'none') assert.equal(actual, true)
      }),
      { numRuns: cases, seed: Number(process.env.LATCHKEY_FUZZ_SEED ?? 9591) },
    )
    // Every mutation was tried, and only the untouched signatures passed.
    assert.equal(counts.size, mutations.length, JSON.stringify([...counts]))
    for (const [mutation, { accepted, agree }] of counts) assert.equal(accepted, mutation === 'none' ? agree : 0, mutation)
  })

  it('checks session signatures: the 32-byte hash the manager gives, signed by the group key', async () => {
    const secret = hexToBigInt(keccak256(toHex('latchkey frost session')))
    const hash = keccak256(toHex('a userOp signing hash'))
    const signature = frostOnChainSignature(secp256k1_FROST.sign(hexToBytes(hash), hexToBytes(word(secret % N))))
    const signer = frostSignerKey(secp256k1.Point.BASE.multiply(secret % N).toBytes(true))
    const check = (h: Hex) =>
      devnet.publicClient.readContract({ address: devnet.contracts.frostSignerVerifier, abi: frostSignerVerifierAbi, functionName: 'isValidSessionSignature', args: [signer, h, signature] })
    assert.equal(await check(hash), true)
    assert.equal(await check(keccak256(hash)), false)
  })
})
