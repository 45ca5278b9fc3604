/**
 * @noble/curves' FROST(secp256k1, SHA-256) reproduces the RFC 9591 test vector (test/vectors) exactly: the
 * key package built from the vector's shares, each participant's nonces from the vector's randomness (fed
 * through the rng argument), the commitments, the signature shares and the aggregate signature.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { secp256k1, secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from 'viem'

const vector = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'test', 'vectors', 'frost-secp256k1-sha256.json'), 'utf8'))
const bytes = (hex: string) => hexToBytes(`0x${hex}`)
const scalar = (hex: string) => BigInt(`0x${hex}`)

describe('RFC 9591 test vector, FROST(secp256k1, SHA-256)', () => {
  it('is reproduced byte for byte by @noble/curves', () => {
    const { inputs } = vector
    const G = secp256k1.Point.BASE
    const groupKey = G.multiply(scalar(inputs.group_secret_key))
    assert.equal(bytesToHex(groupKey.toBytes(true)), `0x${inputs.group_public_key}`)
    const id = (n: number) => frost.Identifier.fromNumber(n)
    const pub = {
      signers: { min: Number(vector.config.MIN_PARTICIPANTS), max: Number(vector.config.MAX_PARTICIPANTS) },
      commitments: [groupKey.toBytes(true), ...inputs.share_polynomial_coefficients.map((c: string) => G.multiply(scalar(c)).toBytes(true))],
      verifyingShares: Object.fromEntries(inputs.participant_shares.map((s: { identifier: number; participant_share: string }) => [id(s.identifier), G.multiply(scalar(s.participant_share)).toBytes(true)])),
    }
    const secretOf = (n: number) => ({ identifier: id(n), signingShare: bytes(inputs.participant_shares.find((s: { identifier: number }) => s.identifier === n).participant_share) })
    for (const n of inputs.participant_list as number[]) frost.validateSecret(secretOf(n), pub)

    const message = bytes(inputs.message)
    const rounds = (inputs.participant_list as number[]).map((n) => {
      const out = vector.round_one_outputs.outputs.find((o: { identifier: number }) => o.identifier === n)
      const randomness = [bytes(out.hiding_nonce_randomness), bytes(out.binding_nonce_randomness)]
      const generated = frost.commit(secretOf(n), (length?: number) => {
        const next = randomness.shift()!
        assert.equal(length ?? 32, next.length)
        return next
      })
      assert.equal(bytesToHex(generated.nonces.hiding), `0x${out.hiding_nonce}`)
      assert.equal(bytesToHex(generated.nonces.binding), `0x${out.binding_nonce}`)
      assert.equal(bytesToHex(generated.commitments.hiding), `0x${out.hiding_nonce_commitment}`)
      assert.equal(bytesToHex(generated.commitments.binding), `0x${out.binding_nonce_commitment}`)
      return { n, ...generated }
    })
    const commitments = rounds.map((r) => r.commitments)
    const shares: Record<string, Uint8Array> = {}
    for (const { n, nonces } of rounds) {
      const share = frost.signShare(secretOf(n), pub, nonces, commitments, message)
      const expected = vector.round_two_outputs.outputs.find((o: { identifier: number }) => o.identifier === n).sig_share
      assert.equal(bytesToHex(share), `0x${expected}`)
      assert.equal(frost.verifyShare(pub, commitments, message, id(n), share), true)
      shares[id(n)] = share
    }
    const signature = frost.aggregate(pub, commitments, message, shares)
    assert.equal(bytesToHex(signature), `0x${vector.final_output.sig}`)
    assert.equal(frost.verify(signature, message, groupKey.toBytes(true)), true)
  })
})
