/**
 * Issue 17, the signer network hardened: requests built by hand, with a valid client credential, that the
 * chain would refuse, and that the nodes used to sign. Each node must refuse them, with the reason, as the
 * manager or the EntryPoint would: a batch carrying the same session twice (the manager:
 * SessionBatchSessionRepeated), an execution whose target has dirty upper bytes (Solidity's decoder
 * reverts), a nonce already used, and a declared time in a future period. Beside each, the same request
 * made right is signed, so a refusal for another reason would fail the test. And the SDK spreads its
 * signatures over every node.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex } from 'viem'
import { sendUserOperationAndWait } from '@latchkey/sdk'
import { startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefused, distributedSessionByHand, nowSeconds, requestFor } from './fixtures/distributedSessionByHand.ts'
import { prepareWithFixedGas } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
let network: SignerNetwork
before(async () => {
  devnet = await useDevnet()
  network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl })
})
after(async () => {
  await network?.stop()
})

describe('signer network: the nodes refuse what the chain would refuse', () => {
  it('a batch carrying the same session twice (60 + 60 against a total of 100): refused; one part of 60 + 30 is signed', async () => {
    const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
    const twice = await prepareWithFixedGas(devnet, account, [transfer(60n), transfer(60n)])
    assertRefused(await ask(requestFor(twice, grant, [{ session: 0, permission: 0 }, { session: 1, permission: 0 }], 2)), /session 1 is session 0 again/)
    const fair = await prepareWithFixedGas(devnet, account, [transfer(60n), transfer(30n)])
    assert.deepEqual(await ask(requestFor(fair, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), { signed: true })
  })

  it('a batch execution whose target has dirty upper bytes: refused (the account would revert decoding it)', async () => {
    const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
    const op = await prepareWithFixedGas(devnet, account, [transfer(1n), transfer(2n)])
    const word = `000000000000000000000000${devnet.contracts.demoToken.slice(2).toLowerCase()}`
    assert.ok(op.callData.toLowerCase().includes(word))
    const dirty = { ...op, callData: op.callData.toLowerCase().replace(word, `ffffffffffffffffffffffff${word.slice(24)}`) as Hex }
    assertRefused(await ask(requestFor(dirty, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), /not in canonical ABI encoding/)
    assert.deepEqual(await ask(requestFor(op, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), { signed: true })
  })

  it('an op whose nonce is already used: refused', async () => {
    const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
    const stale = await prepareWithFixedGas(devnet, account, [transfer(1n)])
    assert.deepEqual(await ask(requestFor(stale, grant, [{ session: 0, permission: 0 }])), { signed: true })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [transfer(1n)], gas: { callGasLimit: 300_000n, verificationGasLimit: 600_000n, preVerificationGas: 80_000n } })
    assertRefused(await ask(requestFor(stale, grant, [{ session: 0, permission: 0 }])), /nonce .* already used/)
  })

  it('an op declaring a time in a future period: refused; the same op declaring now is signed', async () => {
    const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
    const op = await prepareWithFixedGas(devnet, account, [transfer(1n)])
    assertRefused(await ask(requestFor(op, grant, [{ session: 0, permission: 0 }], 1, nowSeconds() + 86_400)), /declares .* ahead of the chain/)
    assert.deepEqual(await ask(requestFor(op, grant, [{ session: 0, permission: 0 }])), { signed: true })
  })
})

describe('signer network: load', () => {
  it('spreads signatures over every node of a 2-of-3 network (each signature starts at the next node)', async () => {
    const { account, transfer } = await distributedSessionByHand(devnet, network)
    const asked = new Map<string, number>()
    const realFetch = globalThis.fetch
    globalThis.fetch = async (input, init) => {
      const url = String(input)
      if (url.endsWith('/sign/share')) asked.set(new URL(url).origin, (asked.get(new URL(url).origin) ?? 0) + 1)
      return realFetch(input, init)
    }
    try {
      for (let i = 0; i < 3; i++) await account.signUserOperation(await prepareWithFixedGas(devnet, account, [transfer(1n)]))
    } finally {
      globalThis.fetch = realFetch
    }
    assert.deepEqual([...asked.keys()].sort(), network.nodes.map((node) => new URL(node.url).origin).sort(), `shares asked of ${JSON.stringify([...asked])}`)
    assert.deepEqual([...asked.values()], [2, 2, 2])
  })
})
