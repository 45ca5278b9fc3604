import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { keccak256, parseEther, size, zeroAddress, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { SessionFormatError } from '../errors/session.ts'
import { createSession, permission } from './createSession.ts'
import { callPolicy } from '../policies/callPolicy.ts'
import { buildSessionTree, sessionLeaf, sessionRootFromProof } from './merkleTree.ts'
import { encodeSession, sessionDigest, sessionTypedHash } from './sessionEncoding.ts'
import { parseSessionGrant, serializeSessionGrant, type SessionGrant } from './sessionGrant.ts'
import type { Session } from './session.ts'

const counter = '0x00000000000000000000000000000000000000c0' as const
const signer = '0x00000000000000000000000000000000000000aa' as const
const abi = [
  { type: 'function', name: 'count', inputs: [], outputs: [], stateMutability: 'nonpayable' },
  { type: 'function', name: 'pay', inputs: [{ name: 'a', type: 'uint256' }], outputs: [], stateMutability: 'nonpayable' },
  { type: 'function', name: 'pay', inputs: [{ name: 'a', type: 'address' }], outputs: [], stateMutability: 'nonpayable' },
] as const
const moveAbi = [{ type: 'function', name: 'move', inputs: [{ name: 'x', type: 'uint8' }], outputs: [], stateMutability: 'nonpayable' }] as const
const salt = `0x${'11'.repeat(32)}` as Hex

describe('session encoding', () => {
  it('packs a one-permission ECDSA session with a 32-byte salt into 86 bytes and hashes exactly those bytes', () => {
    const session = createSession({ signer, validAfter: 1, validUntil: 2, salt, permissions: [permission({ target: counter, abi, functionName: 'count' })], gas: 'unbounded' })
    const encoded = encodeSession(session)
    // head, window, salt, signer, count, then target, selector, shape (no value, no policy); no gas part.
    assert.equal(size(encoded), 1 + 12 + 32 + 20 + 1 + 20 + 4 + 1)
    assert.equal(sessionDigest(session), keccak256(encoded))
    assert.equal(encoded.slice(2, 4), '80') // head: a 32-byte salt (32 << 2), no verifier, no gas policy
    assert.equal(encoded.slice(4, 16), '000000000001') // validAfter
    // The permission's selector sits after the head and window (13), the salt (32), the signer (20), the count (1) and the target (20).
    assert.equal(`0x${encoded.slice(2 + 2 * 86, 2 + 2 * 90)}`, session.permissions[0]!.selector)
  })

  it("carries the default salt in 8 bytes and a value limit in its fewest bytes", () => {
    const session = createSession({ signer, validFor: 60, permissions: [permission({ target: counter, valueLimit: 256n })], gas: 'unbounded' })
    assert.match(session.salt, /^0x0{48}[0-9a-f]{16}$/)
    const encoded = encodeSession(session)
    const saltLength = Number.parseInt(encoded.slice(2, 4), 16) >> 2
    assert.ok(saltLength <= 8, `salt of ${saltLength} bytes`)
    // … signer, count, target, selector, then shape 0x02 (a 2-byte value) and 0x0100.
    assert.equal(encoded.slice(-6), '020100')
  })

  it('gives different digests to the same permissions with different salts', () => {
    const a = createSession({ signer, validFor: 60, permissions: [permission({ target: counter })] })
    const b = createSession({ signer, validFor: 60, permissions: [permission({ target: counter })] })
    assert.notEqual(sessionDigest(a), sessionDigest(b))
  })

  it('refuses malformed sessions with the failing field', () => {
    assert.throws(() => createSession({ signer, permissions: [permission({ target: counter })] }), /validUntil/)
    assert.throws(() => createSession({ signer, validFor: 60, permissions: [] }), /at least one permission/)
    assert.throws(() => createSession({ signer: '0x1234', validFor: 60, permissions: [permission({ target: counter })] }), InvalidParameterError)
    assert.throws(() => createSession({ signer, validAfter: 10, validUntil: 5, permissions: [permission({ target: counter })] }), /ends before validAfter/)
    assert.throws(() => permission({ target: counter, abi, functionName: 'missing' }), /not in the ABI/)
    assert.throws(() => permission({ target: counter, abi, functionName: 'pay' }), /overloaded/)
    assert.throws(() => createSession({ signer, validFor: 60, permissions: [{ ...permission({ target: counter }), valueLimit: 1n << 128n }] }), /uint128/)
  })

  it('uses zero for any target and for empty calldata', () => {
    const p = permission({ target: 'any', valueLimit: parseEther('1') })
    assert.equal(p.target, zeroAddress)
    assert.equal(p.selector, '0x00000000')
    assert.equal(permission({ target: 'any', selector: '0x00000000' }).target, zeroAddress)
  })

  it("refuses 'any' with a function, naming the explicit 'any-unsafe', which it accepts", () => {
    const refusals = [
      () => permission({ target: 'any', abi, functionName: 'count' }),
      () => permission({ target: 'any', selector: '0x06661abd' }),
      () => permission({ target: 'any', selector: '0xffffffff', policy: { address: counter, config: '0x' } }),
      () => callPolicy({ address: 'any', abi: moveAbi, functionName: 'move' }),
    ]
    for (const refused of refusals) {
      assert.throws(refused, (error: unknown) => {
        assert.ok(error instanceof InvalidParameterError, String(error))
        assert.match(error.message, /fallback handler installed on the account for another function/)
        assert.match(error.message, /'any-unsafe'/)
        return true
      })
    }
    assert.equal(permission({ target: 'any-unsafe', abi, functionName: 'count' }).target, zeroAddress)
    assert.equal(callPolicy({ address: 'any-unsafe', abi: moveAbi, functionName: 'move' }).target, zeroAddress)
  })
})

describe('a session the encoding cannot carry', () => {
  it('is refused before encoding when a hex field has an odd number of digits, naming the field', () => {
    const base = createSession({ signer: '0x1111111111111111111111111111111111111111', validFor: 60, permissions: [permission({ target: '0x2222222222222222222222222222222222222222' })], gas: 'unbounded' })
    const cases: [string, Session][] = [
      ['permissions[0].policyConfig', { ...base, permissions: [{ ...base.permissions[0]!, policy: '0x2222222222222222222222222222222222222222', policyConfig: '0xabc' }] }],
      ['gasPolicyConfig', { ...base, gasPolicy: '0x2222222222222222222222222222222222222222', gasPolicyConfig: '0x1' }],
      ['signer', { ...base, signerVerifier: '0x3333333333333333333333333333333333333333', signer: '0x12345' }],
      ['permissions[0].selector', { ...base, permissions: [{ ...base.permissions[0]!, selector: '0x1234567' as Hex }] }],
    ]
    for (const [field, session] of cases) {
      assert.throws(() => encodeSession(session), (error: unknown) => {
        assert.ok(error instanceof InvalidParameterError, String(error))
        assert.match(error.message, new RegExp(`session\\.${field.replace(/[[\]]/g, '\\$&')}`))
        return true
      }, field)
    }
  })
})

describe('session Merkle tree', () => {
  it('proves every leaf of odd and even trees, and no proof passes for another digest', () => {
    for (const n of [1, 2, 3, 7, 8, 33]) {
      const digests = Array.from({ length: n }, (_, i) => keccak256(`0x${i.toString(16).padStart(2, '0')}`))
      const tree = buildSessionTree(digests)
      for (const d of digests) assert.equal(sessionRootFromProof(d, tree.proof(d)), tree.root)
      if (n > 1) assert.notEqual(sessionRootFromProof(digests[0]!, tree.proof(digests[1]!)), tree.root)
    }
    assert.throws(() => buildSessionTree([]), /at least one/)
    assert.throws(() => buildSessionTree([salt, salt]), /twice/)
  })
})

describe('session grant JSON', () => {
  const session = createSession({ signer, validFor: 60, salt, permissions: [permission({ target: counter, abi, functionName: 'count', valueLimit: 5n })] })
  const digest = sessionDigest(session)
  const tree = buildSessionTree([digest, keccak256('0x01')])
  const grant: SessionGrant = { chainId: 31337, account: counter, manager: signer, session, digest, grant: { type: 'root', root: tree.root, proof: tree.proof(digest) } }

  it('round-trips, and writes a private key only when asked', () => {
    const json = serializeSessionGrant(grant)
    assert.doesNotMatch(json, /privateKey/)
    assert.deepEqual(parseSessionGrant(json).grant, grant)
    const key = `0x${'22'.repeat(32)}` as Hex
    assert.equal(parseSessionGrant(serializeSessionGrant(grant, { privateKey: key })).privateKey, key)
  })

  it('refuses tampered JSON saying what is wrong', () => {
    const raw = JSON.parse(serializeSessionGrant(grant))
    const tamper = (f: (r: any) => void) => {
      const copy = structuredClone(raw)
      f(copy)
      return JSON.stringify(copy)
    }
    assert.throws(() => parseSessionGrant('{'), SessionFormatError)
    assert.throws(() => parseSessionGrant(tamper((r) => (r.session.permissions[0].valueLimit = '6'))), /digest does not match/)
    assert.throws(() => parseSessionGrant(tamper((r) => (r.grant.proof = [keccak256('0x02')]))), /proof does not lead to the root/)
    assert.throws(() => parseSessionGrant(tamper((r) => (r.account = 'nope'))), /account is not an address/)
    assert.throws(() => parseSessionGrant(tamper((r) => (r.format = 'other'))), /format/)
  })
})

describe('the worked example of docs/sessions.md §11', () => {
  it('has the encoding size, digest, leaf, root and struct hash the spec gives', () => {
    const session: Session = {
      signerVerifier: zeroAddress,
      signer: '0x1111111111111111111111111111111111111111',
      validAfter: 1_800_000_000,
      validUntil: 1_800_086_400,
      permissions: [{ target: '0x2222222222222222222222222222222222222222', selector: '0xa9059cbb', valueLimit: 0n, policy: zeroAddress, policyConfig: '0x' }],
      gasPolicy: zeroAddress,
      gasPolicyConfig: '0x',
      salt: `0x${'00'.repeat(31)}01`,
    }
    assert.equal(size(encodeSession(session)), 60)
    assert.equal(sessionDigest(session), '0x01247cad9fde9e553b5d25067521576b020984cb4a6ffe90fcb5e1514d5a7a8a')
    assert.equal(sessionLeaf(sessionDigest(session)), '0x2df0cd2192d3bb3d8e03cb8cbbda0814b98aab195430984a50a6cebaf0237dc0')
    assert.equal(buildSessionTree([sessionDigest(session)]).root, '0x2df0cd2192d3bb3d8e03cb8cbbda0814b98aab195430984a50a6cebaf0237d00')
    assert.equal(sessionTypedHash(session), '0xa899ebf1d8fb6fe88721b8cc04d56c44530e9bfb597feed77ca10186ac976a9d')
  })
})
