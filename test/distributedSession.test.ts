/**
 * A distributed session end to end (the distributed-sessions issue), on each node store: a 2-of-3 signer
 * network of node processes generates the group key by DKG (`createDistributedSession`), the owner grants a
 * session whose signer is that key, and the session's userOps are signed by the nodes (each checking the
 * request against the session's policy on chain) and sent through the bundler: with every pair of nodes in
 * turn, and while one node is down; a session granted by an owner approval that each node checks through
 * the account's ERC-1271 (a forged one refused); 40 signatures at once through one signer; a request outside the policy
 * is refused by the nodes before it reaches the chain.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { bytesToBigInt, concatBytes, hashMessage, hexToBytes } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { secp256k1, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import {
  createDistributedSession,
  createSession,
  createSessionApproval,
  erc20Policy,
  grantSessions,
  networkSessionSigner,
  sendUserOperationAndWait,
  sessionRequestSigningHash,
  SignerNetworkRefusedError,
  toSessionAccount,
  type SessionSigningRequest,
  type SignerNodeFailure,
} from '@latchkey/sdk'
import { startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { nodeStoreBackends } from './fixtures/nodeStores.ts'
import { balanceOf, erc20Call, mintUsd, prepareWithFixedGas } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

for (const backend of nodeStoreBackends('distributed session tests')) {
  describe(`a distributed session (2-of-3 signer nodes, ${backend.name})`, () => {
    let network: SignerNetwork
    before(async () => {
      await backend.prepare([1, 2, 3])
      network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl, ...(backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {}) })
    })
    after(async () => {
      await network?.stop()
    })

    it('signs in-policy userOps through the nodes, with every pair and with one node down; the nodes refuse an out-of-policy one', async () => {
      const owner = await deployedOwnerAccount(devnet)
      await mintUsd(devnet, owner.address, 1_000n)
      const client = privateKeyToAccount(generatePrivateKey())
      const recipient = privateKeyToAccount(generatePrivateKey()).address
      const { session, signer, key } = await createDistributedSession({
        nodes: network.nodes.map((n) => n.url),
        threshold: 2,
        client,
        validFor: 3600,
        permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], total: 100n })],
      })
      assert.equal(session.signer.toLowerCase(), signer.key.toLowerCase())
      const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
      const account = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer })
      const pay = (amount: bigint) => erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, amount])

      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [pay(50n)] })
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 50n)

      // Every pair of nodes signs on its own (a signer that knows only those two).
      for (const pair of [[0, 1], [0, 2], [1, 2]] as const) {
        const pairSigner = networkSessionSigner({ ...key, nodes: pair.map((i) => key.nodes[i]!), client })
        const pairAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: pairSigner })
        await sendUserOperationAndWait(devnet.bundlerClient, { account: pairAccount, calls: [pay(10n)] })
      }
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 80n)

      // A second session of the same group key, granted by an owner approval off chain: each node checks the
      // approval through the account's ERC-1271 before it signs the op that carries it. A forged one is refused.
      const approvedSession = createSession({ signer, validFor: 3600, permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], total: 5n })] })
      const approved = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session: approvedSession })
      assert.equal(approved.grant.type, 'approval')
      // Forged: well formed, but signed by another owner's account for this one's session.
      const stranger = await deployedOwnerAccount(devnet)
      const forgedApproval = await createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session: approvedSession, signApproval: (typedData) => stranger.signTypedData(typedData as never) })
      const forgedAccount = await toSessionAccount({ client: devnet.publicClient, grant: forgedApproval, signer, precheck: false })
      await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: forgedAccount, calls: [pay(1n)] }), (error: unknown) => {
        assert.ok(error instanceof SignerNetworkRefusedError, String(error))
        assert.match(error.reason, /the owner approval does not validate through the account’s ERC-1271/)
        return true
      })
      const approvedAccount = await toSessionAccount({ client: devnet.publicClient, grant: approved, signer })
      await sendUserOperationAndWait(devnet.bundlerClient, { account: approvedAccount, calls: [pay(5n)] })
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 85n)

      // Over the total: with the SDK's own check off, the request reaches the nodes, and they refuse it.
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer, precheck: false })
      await assert.rejects(
        sendUserOperationAndWait(devnet.bundlerClient, { account: unchecked, calls: [pay(25n)], gas: { callGasLimit: 200_000n, verificationGasLimit: 600_000n, preVerificationGas: 100_000n } }),
        (error: unknown) => {
          assert.ok(error instanceof SignerNetworkRefusedError, String(error))
          assert.match(error.reason, /policy/)
          return true
        },
      )
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 85n)

      // A request whose call names a session it does not carry: refused by the nodes (never signed unchecked).
      const prepared = await prepareWithFixedGas(devnet, unchecked, [pay(1n)])
      const stray: SessionSigningRequest = { userOperation: prepared, parts: [{ grant: grants[0]!, mode: 'root' }], entries: [{ session: 1, permission: 0 }], declaredTime: Math.floor(Date.now() / 1000) }
      await assert.rejects(signer.signSessionRequest!(stray, sessionRequestSigningHash(stray, devnet.chainId)), (error: unknown) => {
        assert.ok(error instanceof SignerNetworkRefusedError, String(error))
        assert.match(error.reason, /names session 1, which the request does not carry/)
        return true
      })

      // Many signatures at once through one signer share its pools of commitments (16 per node per fill):
      // every one is valid, and no node is reported as failing.
      const failures: SignerNodeFailure[] = []
      const busy = networkSessionSigner({ ...key, client, onNodeFailure: (failure) => failures.push(failure) })
      const op = await prepareWithFixedGas(devnet, unchecked, [pay(1n)])
      const request: SessionSigningRequest = { userOperation: op, parts: [{ grant: grants[0]!, mode: 'root' }], entries: [{ session: 0, permission: 0 }], declaredTime: Math.floor(Date.now() / 1000) }
      const signingHash = sessionRequestSigningHash(request, devnet.chainId)
      const signatures = await Promise.all(Array.from({ length: 40 }, () => busy.signSessionRequest!(request, signingHash)))
      const message = hexToBytes(hashMessage({ raw: signingHash }))
      for (const signature of signatures) {
        const raw = hexToBytes(signature)
        const R = secp256k1.Point.fromAffine({ x: bytesToBigInt(raw.slice(0, 32)), y: bytesToBigInt(raw.slice(32, 64)) })
        assert.ok(secp256k1_FROST.verify(concatBytes([R.toBytes(true), raw.slice(64)]), message, hexToBytes(key.groupPublicKey)))
      }
      assert.equal(new Set(signatures).size, 40)
      assert.deepEqual(failures, [])

      // One node down (killed): the other two sign.
      await network.kill(1)
      await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [pay(20n)] })
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 105n)
      await network.restart(1)
    })
  })
}
