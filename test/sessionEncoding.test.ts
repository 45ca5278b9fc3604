/**
 * The SDK and the deployed SessionKeyManager agree on a session's encoding, digest and EIP-712 struct hash,
 * and on the approval hash, for sessions of several shapes (eth_call, no bundler).
 */
import { it, before } from 'node:test'
import assert from 'node:assert/strict'
import { hashTypedData, keccak256, toHex, type Hex } from 'viem'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { createSession, encodeSession, permission, sessionApprovalTypedData, sessionDigest, sessionTypedHash, type Session } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

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
