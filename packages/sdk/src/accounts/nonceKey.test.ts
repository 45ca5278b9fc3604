import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { OWNER_NONCE_KEY, validatorNonceKey } from './nonceKey.ts'

describe('validatorNonceKey', () => {
  it('puts the validator in the top 20 bytes of the 24-byte key and the 4-byte key below it', () => {
    const key = validatorNonceKey('0x00000000000000000000000000000000000000AB', 7n)
    assert.equal(key, (0xabn << 32n) | 7n)
    const full = validatorNonceKey('0xffffffffffffffffffffffffffffffffffffffff', 0xffffffffn)
    assert.equal(full, (1n << 192n) - 1n)
  })

  it('gives the owner path key 0', () => {
    assert.equal(validatorNonceKey('0x0000000000000000000000000000000000000000'), OWNER_NONCE_KEY)
  })

  it('rejects a key wider than 4 bytes, a negative key and a non-address', () => {
    assert.throws(() => validatorNonceKey('0x0000000000000000000000000000000000000001', 1n << 32n), InvalidParameterError)
    assert.throws(() => validatorNonceKey('0x0000000000000000000000000000000000000001', -1n), InvalidParameterError)
    assert.throws(() => validatorNonceKey('0x1234' as `0x${string}`), /is not an address/)
  })
})
