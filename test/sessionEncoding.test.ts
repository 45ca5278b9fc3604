/**
 * The SDK and the deployed SessionKeyManager agree on a session's encoding, digest and EIP-712 struct hash,
 * and on the approval hash, for sessions of several shapes (eth_call, no bundler).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { hashTypedData, keccak256, pad, toFunctionSelector, toHex, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { createSession, createSessionApproval, encodeExecute, encodeSession, grantSessions, permission, sessionApprovalTypedData, sessionDigest, sessionTypedHash, type Session } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

function shapes(): Session[] {
  const signer = '0x00000000000000000000000000000000000000aa' as const
  const many = Array.from({ length: 12 }, (_, i) =>
    permission({ target: i % 3 === 0 ? 'any-unsafe' : `0x${(i + 1).toString(16).padStart(40, '0')}`, selector: keccak256(toHex(i)).slice(0, 10) as Hex, valueLimit: BigInt(i) * 10n ** 15n, policy: i % 4 === 0 ? { address: signer, config: keccak256(toHex(i)) } : undefined }),
  )
  // Config lengths near 65,535: summing 62 + length in 16 bits would wrap (a bug the differential test found).
  const huge = [65_535, 65_474, 1].map((length, i) => permission({ target: signer, selector: '0x12345678', policy: { address: signer, config: `0x${(i + 1).toString(16).padStart(2, '0').repeat(length)}` } }))
  return [
    createSession({ signer, validFor: 60, permissions: [permission({ target: signer })] }),
    createSession({ signer, validFor: 60, permissions: huge, gas: { policy: signer, config: '0xabcdef' } }),
    createSession({ signer, validAfter: 5, validUntil: 2 ** 40, permissions: many }),
    { ...createSession({ signer, validUntil: 0, permissions: [permission({ target: 'any', valueLimit: (1n << 128n) - 1n })] }), signerVerifier: signer, signer: `0x${'ab'.repeat(65)}` },
    // A config without a policy, and a gas config without a gas policy: unusual, but one form each.
    { ...createSession({ signer, validFor: 60, permissions: [{ ...permission({ target: signer }), policyConfig: '0xabcd' }], gas: 'unbounded' }), gasPolicyConfig: '0x01' },
  ]
}

it('computes the same digest, struct hash and approval hash as the contract', async () => {
  for (const session of shapes()) {
    const encoded = encodeSession(session)
    const read = (functionName: 'sessionDigest' | 'sessionTypedHash') =>
      devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName, args: [encoded] })
    assert.equal(await read('sessionDigest'), sessionDigest(session))
    assert.equal(await read('sessionTypedHash'), sessionTypedHash(session))
    const account = devnet.testKeys[0]!.address
    const onChain = await devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'approvalHash', args: [account, encoded] })
    assert.equal(onChain, hashTypedData(sessionApprovalTypedData(devnet.chainId, devnet.contracts.sessionKeyManager, account, 0n, session)))
  }
})

it('rejects an encoding with trailing bytes or cut short', async () => {
  const encoded = encodeSession(shapes()[1]!)
  for (const bad of [`${encoded}00`, encoded.slice(0, -2)] as Hex[]) {
    await assert.rejects(devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'sessionDigest', args: [bad] }))
  }
})

/**
 * Other forms of one session, each breaking one rule of the encoding's one form (docs/sessions.md §2). The
 * session: ECDSA, a 1-byte salt, one permission with no value and no policy, no gas policy; its canonical
 * encoding is `head (0x04) ‖ window (12) ‖ salt (1) ‖ signer (20) ‖ count (1) ‖ target (20) ‖ selector (4) ‖ shape (0x00)`.
 */
function otherForms(canonical: Hex): [string, Hex][] {
  const bytes = canonical.slice(2)
  const at = (from: number, to?: number) => bytes.slice(2 * from, to === undefined ? undefined : 2 * to)
  const window = at(1, 13)
  const salt = at(13, 14)
  const signer = at(14, 34)
  const permissionHead = at(34, 59) // count, target, selector
  const form = (...parts: string[]) => `0x${parts.join('')}` as Hex
  const zeros = (n: number) => '00'.repeat(n)
  return [
    ['a salt with a leading zero byte', form('08', window, '00', salt, signer, permissionHead, '00')],
    ['a salt of 33 bytes', form('84', window, '01', zeros(32), signer, permissionHead, '00')],
    ['a value limit with a leading zero byte', form('04', window, salt, signer, permissionHead, '01', '00')],
    ['a value limit of 17 bytes', form('04', window, salt, signer, permissionHead, '11', '01', zeros(16))],
    ['a zero signer verifier written out', form('05', window, salt, zeros(20), '0014', signer, permissionHead, '00')],
    ['an empty policy part', form('04', window, salt, signer, permissionHead, '20', zeros(20), '0000')],
    ['an empty gas part', form('06', window, salt, signer, permissionHead, '00', zeros(20), '0000')],
    ['a shape bit that must be zero (6)', form('04', window, salt, signer, permissionHead, '40')],
    ['a shape bit that must be zero (7)', form('04', window, salt, signer, permissionHead, '80')],
  ]
}

describe('one form per session', () => {
  const oneByteSaltSession = (signer: `0x${string}`, target: `0x${string}`) =>
    createSession({ signer, validFor: 3600, salt: pad('0x01', { size: 32 }), permissions: [permission({ target, selector: toFunctionSelector('count()') })], gas: 'unbounded' })

  it('the manager refuses every other form of a session, naming the field', async () => {
    const canonical = encodeSession(oneByteSaltSession('0x00000000000000000000000000000000000000aa', '0x00000000000000000000000000000000000000c0'))
    const digestOf = (encoded: Hex) =>
      devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'sessionDigest', args: [encoded] })
    assert.equal(await digestOf(canonical), keccak256(canonical))
    for (const [what, encoded] of otherForms(canonical)) {
      await assert.rejects(digestOf(encoded), /SessionEncodingNotCanonical/, what)
    }
  })

  it("an approved session's other form (which would have another digest, so another record and revocation) is refused in validation; its one form lands", async () => {
    const owner = await deployedOwnerAccount(devnet)
    const manager = devnet.contracts.sessionKeyManager
    const key = privateKeyToAccount(generatePrivateKey())
    // Installs the manager (an approval needs it), granting an unrelated session by root.
    await grantSessions(devnet.bundlerClient, { account: owner, manager, sessions: [oneByteSaltSession(privateKeyToAccount(generatePrivateKey()).address, devnet.contracts.demoCounter)] })
    const grant = await createSessionApproval({ account: owner, manager, session: oneByteSaltSession(key.address, devnet.contracts.demoCounter) })
    const callData = encodeExecute([{ to: devnet.contracts.demoCounter, data: countData }])
    const declaredTime = Math.floor(Date.now() / 1000)
    for (const [, encoding] of otherForms(encodeSession(grant.session))) {
      const op = await sessionOpByHand(devnet, { grant, signer: key, callData, permissionIndices: [0], declaredTime, mode: 'enable', encoding })
      assertRefusedInValidation(await submitAsOwnBundler(devnet, op), /SessionEncodingNotCanonical/)
    }
    const op = await sessionOpByHand(devnet, { grant, signer: key, callData, permissionIndices: [0], declaredTime, mode: 'enable' })
    assert.deepEqual(await submitAsOwnBundler(devnet, op).then((o) => o.included && o.success), true)
  })
})
