/**
 * Batched sessions (docs/sessions.md §6, mode 0x80) through the real bundler: one userOp whose calls each
 * use their own session (and policy), one signer, one signature; grants of all three kinds in one op.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { demoNftAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import { sendUserOperationAndWait, toSessionAccount } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { approveCall, mintCall, mixedGrantTrader, swapCall } from './fixtures/batchSessions.ts'
import { balanceOf } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

describe('each call under its own session', () => {
  it('approve (root grant), swap (recorded) and mint (enabled in this op) in one userOp, one signature', async () => {
    const { owner, key, grants } = await mixedGrantTrader(devnet)
    const trader = await toSessionAccount({ client: devnet.publicClient, grants: [grants.token, grants.swap, grants.mint], signer: key })
    const { userOperation } = await sendUserOperationAndWait(devnet.bundlerClient, {
      account: trader,
      calls: [approveCall(devnet, 100_000000n), swapCall(devnet, owner.address, 100_000000n), mintCall(devnet, owner.address)],
    })
    assert.equal(userOperation.signature.slice(0, 6), '0x8003') // batch mode, three sessions
    assert.equal(await balanceOf(devnet, devnet.contracts.demoWeth, owner.address), 25_000n)
    assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.demoNft, abi: demoNftAbi, functionName: 'balanceOf', args: [owner.address] }), 1n)
    const [status, current] = await devnet.publicClient.readContract({
      address: devnet.contracts.sessionKeyManager,
      abi: sessionKeyManagerAbi,
      functionName: 'sessionRecord',
      args: [owner.address, grants.mint.digest],
    })
    assert.deepEqual([status, current], [1, true]) // the mint session's first use recorded it
  })
})
