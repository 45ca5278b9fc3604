/**
 * sessionDigest (its own Keccak and hex decoding, for speed) equals viem's keccak256 of the encoding, and the
 * encoding equals the layout written with viem's numberToHex, for random valid sessions. The contract's
 * agreement with both is tested against the devnet in test/sessionEncoding.test.ts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { bytesToHex, concat, getAddress, keccak256, numberToHex, size, trim, zeroAddress, type Address, type Hex } from 'viem'
import { encodeSession, sessionDigest } from './sessionEncoding.ts'
import { ANY_SELECTOR, type Permission, type Session } from './session.ts'

const hexOf = (minLength: number, maxLength: number) => fc.uint8Array({ minLength, maxLength }).map((bytes) => bytesToHex(bytes))
/** Addresses in lowercase or checksummed: the encoding must not depend on the case. */
const address = fc.tuple(hexOf(20, 20), fc.boolean()).map(([hex, checksummed]) => (checksummed ? getAddress(hex) : hex) as Address)
/** Bytes of any length (an odd digit count is refused before encoding: session.test.ts). */
const anyHex = hexOf(0, 300)
const uint48 = fc.integer({ min: 0, max: 2 ** 48 - 1 })

const permission: fc.Arbitrary<Permission> = fc
  .record({
    target: address,
    selector: fc.oneof(hexOf(4, 4), fc.constant(ANY_SELECTOR)),
    valueLimit: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
    policy: fc.oneof(fc.constant(zeroAddress), address),
    policyConfig: anyHex,
  })
  .filter((p) => !(p.selector === ANY_SELECTOR && BigInt(p.policy) === 0n))

const session: fc.Arbitrary<Session> = fc
  .record({
    verifier: fc.option(address),
    ecdsaSigner: address,
    otherSigner: anyHex,
    window: fc.tuple(uint48, uint48),
    permissions: fc.array(permission, { minLength: 1, maxLength: 4 }),
    gasPolicy: fc.oneof(fc.constant(zeroAddress), address),
    gasPolicyConfig: anyHex,
    // Salts with leading zero bytes (the SDK's default has 24), of every length.
    salt: fc.tuple(hexOf(0, 32)).map(([tail]) => `0x${tail.slice(2).padStart(64, '0')}` as Hex),
  })
  .map(({ verifier, ecdsaSigner, otherSigner, window, ...rest }) => ({
    ...rest,
    signerVerifier: verifier ?? zeroAddress,
    signer: verifier === null ? ecdsaSigner : otherSigner,
    validAfter: Math.min(...window),
    validUntil: Math.max(...window),
  }))

/** The layout of SessionCodec.sol, field by field with viem (numbers trimmed of leading zero bytes with viem's trim). */
function referenceEncoding(s: Session): Hex {
  const n = (value: number | bigint, bytes: number) => numberToHex(value, { size: bytes })
  const short = (value: bigint): Hex => (value === 0n ? '0x' : trim(numberToHex(value)))
  const salt = short(BigInt(s.salt))
  const hasVerifier = BigInt(s.signerVerifier) !== 0n
  const hasGas = BigInt(s.gasPolicy) !== 0n || size(s.gasPolicyConfig) > 0
  return concat([
    n(size(salt) * 4 + (hasGas ? 2 : 0) + (hasVerifier ? 1 : 0), 1),
    n(s.validAfter, 6),
    n(s.validUntil, 6),
    salt,
    ...(hasVerifier ? [s.signerVerifier, n(size(s.signer), 2)] : []),
    s.signer,
    n(s.permissions.length, 1),
    ...s.permissions.flatMap((p) => {
      const value = short(p.valueLimit)
      const hasPolicy = BigInt(p.policy) !== 0n || size(p.policyConfig) > 0
      return [p.target, p.selector, n(size(value) + (hasPolicy ? 0x20 : 0), 1), value, ...(hasPolicy ? [p.policy, n(size(p.policyConfig), 2), p.policyConfig] : [])]
    }),
    ...(hasGas ? [s.gasPolicy, n(size(s.gasPolicyConfig), 2), s.gasPolicyConfig] : []),
  ])
}

/** A session of `permissions` permissions, each with a config of `configBytes` bytes of `byte`. */
function sessionWithConfigs(permissions: number, configBytes: number, byte: number): Session {
  const policyConfig = `0x${byte.toString(16).padStart(2, '0').repeat(configBytes)}` as Hex
  return {
    signerVerifier: zeroAddress,
    signer: getAddress(`0x${'aa'.repeat(20)}`),
    validAfter: 1,
    validUntil: 2,
    permissions: Array.from({ length: permissions }, (_, i) => ({ target: zeroAddress, selector: '0x12345678', valueLimit: BigInt(i), policy: getAddress(`0x${'c0'.repeat(20)}`), policyConfig })),
    gasPolicy: zeroAddress,
    gasPolicyConfig: '0x',
    salt: `0x${'11'.repeat(32)}`,
  }
}

describe('session digest', () => {
  it('is viem keccak256 of the encoding at any size, one session after another (its buffer is reused and grows)', () => {
    // From 0.2 KB to 262 KB: past the buffer's first size (1 KB), and past the size it is kept up to (64 KB).
    const sizes: [number, number][] = [[1, 100], [1, 3_000], [1, 100], [2, 65_535], [2, 500], [4, 65_535], [1, 100]]
    sizes.forEach(([permissions, configBytes], i) => {
      const s = sessionWithConfigs(permissions, configBytes, i + 1)
      assert.equal(sessionDigest(s), keccak256(encodeSession(s)), `${permissions} × ${configBytes} bytes`)
    })
  })

  it('is viem keccak256 of the encoding, and the encoding is the reference layout', () => {
    fc.assert(
      fc.property(session, (s) => {
        const encoded = encodeSession(s)
        assert.equal(encoded, referenceEncoding(s))
        assert.equal(sessionDigest(s), keccak256(encoded))
      }),
      { numRuns: 300 },
    )
  })
})
