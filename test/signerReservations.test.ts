/**
 * Issue 17: a node reserves what each released share's op adds to its session's limits, until the op's
 * nonce is consumed or its window ends, so that ops signed one after another or at once, none yet on
 * chain, never pass a limit together. Attacked by hand with a valid client credential: 12 requests at once,
 * each for the whole budget left; the reservations outlive a SIGKILL; two requests for the same nonce count
 * once, as the larger (only one of their ops can land); a landed op ends its reservation. On SQLite, and on PostgreSQL when the run has one.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sendUserOperationAndWait } from '@latchkey/sdk'
import { startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefused, distributedSessionByHand, requestFor, type NodeAnswer } from './fixtures/distributedSessionByHand.ts'
import { nodeStoreBackends } from './fixtures/nodeStores.ts'
import { prepareWithFixedGas } from './fixtures/policySessions.ts'

const gas = { callGasLimit: 300_000n, verificationGasLimit: 600_000n, preVerificationGas: 80_000n }
const overLimit = /above the limit of 100/
const one = [{ session: 0, permission: 0 }]

for (const backend of nodeStoreBackends('signer reservations')) {
  describe(`signer network: reservations (${backend.name})`, () => {
    let devnet: DevnetFixture
    let network: SignerNetwork
    before(async () => {
      devnet = await useDevnet()
      await backend.prepare([1, 2, 3])
      network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl, ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}) })
    })
    after(async () => {
      await network?.stop()
    })

    it('12 requests at once, each for the whole 82 left: each node releases one share; a restarted node still counts it', async () => {
      const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [transfer(18n)], gas })
      const base = await prepareWithFixedGas(devnet, account, [transfer(82n)])
      const ops = Array.from({ length: 12 }, (_, i) => ({ ...base, nonce: base.nonce + BigInt(i) }))
      const answers: NodeAnswer[][] = await Promise.all(ops.map((op) => Promise.all([0, 1, 2].map((node) => ask(requestFor(op, grant, one), node)))))
      for (const node of [0, 1, 2]) {
        const mine = answers.map((perOp) => perOp[node]!)
        assert.equal(mine.filter((a) => a.signed).length, 1, `node ${node + 1} released ${mine.filter((a) => a.signed).length} shares of 82 with 82 left`)
        for (const refusal of mine.filter((a) => !a.signed)) assertRefused(refusal, overLimit)
      }
      const signatures = answers.filter((perOp) => perOp.filter((a) => a.signed).length >= 2).length
      assert.ok(signatures <= 1, `${signatures} full signatures of 82 each with 82 left`)

      // Durable: killed and restarted, the node still counts the share it released.
      const held = answers.findIndex((perOp) => perOp[0]!.signed)
      await network.restart(1)
      const fresh = { ...base, nonce: base.nonce + 12n, callData: (await prepareWithFixedGas(devnet, account, [transfer(1n)])).callData }
      assertRefused(await ask(requestFor(fresh, grant, one), 0), overLimit)
      // A second request for the nonce it reserved is checked without it: it counts once.
      assert.deepEqual(await ask(requestFor(ops[held]!, grant, one), 0), { signed: true })
    })

    it('one reservation per nonce (the larger of its ops), ended when the nonce is consumed: 70 reserved refuses 50 more, until an op of 10 lands at that nonce', async () => {
      const { grant, account, ask, transfer } = await distributedSessionByHand(devnet, network)
      const amount = async (value: bigint, nonceOffset: bigint) => {
        const op = await prepareWithFixedGas(devnet, account, [transfer(value)])
        return requestFor({ ...op, nonce: op.nonce + nonceOffset }, grant, one)
      }
      assert.deepEqual(await ask(await amount(70n, 0n), 0), { signed: true })
      assertRefused(await ask(await amount(50n, 1n), 0), overLimit)
      // Again for the same nonce, 40: signed, as it cannot land with the 70 (added, 110 would be refused).
      assert.deepEqual(await ask(await amount(40n, 0n), 0), { signed: true })
      // Either of the two may land: the node keeps the larger, 70, so 50 more is still refused (40 + 50 would pass).
      assertRefused(await ask(await amount(50n, 1n), 0), overLimit)
      // The holder's op of 10 takes that nonce (through the SDK and the bundler): 10 used, nothing reserved.
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [transfer(10n)], gas })
      assert.deepEqual(await ask(await amount(70n, 0n), 0), { signed: true })
    })
  })
}
