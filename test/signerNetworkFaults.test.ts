/**
 * The signer network around a faulty node, every node its own process (the distributed-sessions issue):
 * a node that sends a bad share in key generation is named by the others; a node that sends a bad
 * signature share is detected and named, and the signature is made without it; a node killed between
 * marking a signing nonce used and releasing its share never uses that nonce after its restart; a node
 * restarted has forgotten the commitments it made ahead, and the signer recovers without a failure; a node
 * answering commitments that are not points, or a share that is not a scalar, is named; a malformed signing
 * package is refused before a node uses its nonce; every node refuses an out-of-policy request, and
 * unauthenticated or replayed signing requests. The faults
 * are the nodes' own test faults (`--test-fault`): the node itself misbehaves, authenticated as itself.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  createDistributedSession,
  encodeSessionSigningRequest,
  erc20Policy,
  generateDistributedKey,
  grantSessions,
  networkSessionSigner,
  sendUserOperationAndWait,
  SignerNetworkError,
  SignerNetworkRefusedError,
  signNodeRequest,
  toSessionAccount,
  type SessionGrant,
  type SessionSigningRequest,
  type SignerNodeFailure,
  type SignerNodeInfo,
} from '@latchkey/sdk'
import { startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { balanceOf, erc20Call, mintUsd, prepareWithFixedGas } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'
import { signerNodeByHand } from './fixtures/signerNodeByHand.ts'

const identifierOf = (n: number) => n.toString(16).padStart(64, '0')

let devnet: DevnetFixture
let network: SignerNetwork
before(async () => {
  devnet = await useDevnet()
  network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl, testFaults: { 3: 'bad-dkg-share' } })
})
after(async () => {
  await network?.stop()
})

/** A granted 2-of-3 distributed session paying `recipient` at most 100 LKUSD, and its session account. */
async function distributedPayments(failures: SignerNodeFailure[] = []) {
  const owner = await deployedOwnerAccount(devnet)
  await mintUsd(devnet, owner.address, 100n)
  const client = privateKeyToAccount(generatePrivateKey())
  const recipient = privateKeyToAccount(generatePrivateKey()).address
  const { session, signer, key } = await createDistributedSession({
    nodes: network.nodes.map((n) => n.url),
    threshold: 2,
    client,
    onNodeFailure: (failure) => failures.push(failure),
    validFor: 3600,
    permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [recipient], total: 100n })],
  })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const account = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer })
  const pay = (amount: bigint) => sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, amount])] })
  return { client, recipient, key, grants, signer, account, pay }
}

/** A request to sign one payment by `account` (a userOp with fixed gas, not sent; in policy unless `amount` is too much). */
async function paymentRequest(account: Awaited<ReturnType<typeof toSessionAccount>>, grant: SessionGrant, recipient: Address, amount = 1n): Promise<SessionSigningRequest> {
  const op = await prepareWithFixedGas(devnet, account, [erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, amount])])
  return { userOperation: op, parts: [{ grant, mode: 'root' }], entries: [{ session: 0, permission: 0 }], declaredTime: Math.floor(Date.now() / 1000) }
}

/** The statuses node 1 answered to signing-share requests while `run` ran (it watches this process's fetch). */
async function node1ShareAnswers(run: () => Promise<unknown>): Promise<number[]> {
  const answers: number[] = []
  const realFetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init)
    if (String(input).startsWith(`${network.nodes[0]!.url}/sign/share`)) answers.push(response.status)
    return response
  }
  try {
    await run()
  } finally {
    globalThis.fetch = realFetch
  }
  return answers
}

/** A distributed session, an in-policy request to sign, and commitments of nodes 1 and 2 asked by hand. */
async function twoCommitments() {
  const { client, recipient, key, grants, account } = await distributedPayments()
  const request = await paymentRequest(account, grants[0]!, recipient)
  const groupPublicKey = key.groupPublicKey.slice(2)
  const { post, commit } = signerNodeByHand(client, groupPublicKey)
  const [one, two] = key.nodes as [SignerNodeInfo, SignerNodeInfo, SignerNodeInfo]
  return { client, recipient, key, grants, request, groupPublicKey, post, commit, one, two, first: await commit(one), second: await commit(two) }
}

describe('signer network: faulty nodes', () => {
  it('a node that sends a wrong share in key generation is named by the others, and no key is made', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    await assert.rejects(generateDistributedKey({ nodes: network.nodes.map((n) => n.url), threshold: 2, client }), (error: unknown) => {
      assert.ok(error instanceof SignerNetworkError, String(error))
      assert.equal(error.misbehaving, identifierOf(3))
      assert.match(error.message, /misbehaviour .*its share does not match its round-1 commitment/)
      return true
    })
    // Restarted without the fault, the same three nodes make a key.
    await network.restart(3)
    const { groupPublicKey } = await generateDistributedKey({ nodes: network.nodes.map((n) => n.url), threshold: 2, client })
    assert.equal(groupPublicKey.length, 68)
  })

  it('a node that sends a bad signature share is detected and named; the others sign without it', async () => {
    await network.restart(2, { testFault: 'bad-signature-share' })
    const failures: SignerNodeFailure[] = []
    const { client, recipient, key, grants, pay } = await distributedPayments(failures)
    await pay(10n)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 10n)
    // Nodes 1 and 2 were asked first; node 2's share failed, and node 3 took its place. Node 2 is then asked
    // last, so the op's other signatures (the gas probes) do not meet it again.
    assert.deepEqual(
      failures.map((f) => [f.node.identifier, f.kind]),
      [[identifierOf(2), 'bad-share']],
    )

    // With only nodes 1 and 2 to ask, no signature can be made, and the error names node 2.
    const pair = networkSessionSigner({ ...key, nodes: [key.nodes[0]!, key.nodes[1]!], client })
    const pairAccount = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: pair })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: pairAccount, calls: [erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, 10n])] }), (error: unknown) => {
      assert.ok(error instanceof SignerNetworkError, String(error))
      assert.equal(error.misbehaving, identifierOf(2))
      assert.match(error.message, /fewer than 2 nodes could sign: node 0+2 .*does not verify/)
      return true
    })
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 10n)
    await network.restart(2)
  })

  it('a node killed between marking a nonce used and releasing its share never uses that nonce after its restart', async () => {
    await network.restart(1, { testFault: 'crash-after-nonce-mark' })
    // The signing protocol by hand with nodes 1 and 2: node 1 marks its nonce used, then dies.
    const { client, recipient, key, grants, request, groupPublicKey, post, commit, one, first, second } = await twoCommitments()
    const commitments = [first.commitments, second.commitments]
    const share = { groupPublicKey, commitmentId: first.commitmentId, commitments, request: encodeSessionSigningRequest(request) }
    await assert.rejects(post(one!, '/sign/share', share), (error: unknown) => error instanceof SignerNetworkError && /unreachable/.test(error.message))
    const dead = network.nodes[0]!.process
    if (dead.signalCode === null) await new Promise((resolve) => dead.once('exit', resolve))
    assert.equal(dead.signalCode, 'SIGKILL')

    // The mark reached the store before the crash.
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(network.nodes[0]!.dataDir, 'node.sqlite'), { readonly: true })
    const marked = db.prepare('SELECT id FROM used_nonces WHERE id = ?').get(first.commitmentId)
    db.close()
    assert.deepEqual(marked, { id: first.commitmentId })

    // Restarted, the node refuses to sign under that commitment, and its next commitment is a new nonce.
    await network.restart(1)
    await assert.rejects(post(one!, '/sign/share', share), (error: unknown) => error instanceof SignerNetworkError && error.code === 'unknown-commitment' && /no such commitment/.test(error.message))
    const next = await commit(one!)
    assert.notEqual(next.commitments.hiding, first.commitments.hiding)
    assert.notEqual(next.commitments.binding, first.commitments.binding)

    // And the session signs through the restarted node as before.
    const fresh = networkSessionSigner({ ...key, client })
    const user = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: fresh })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: user, calls: [erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, 10n])] })
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 10n)
  })

  it('a node restarted has forgotten the commitments it made ahead: the signer asks it for new ones, and nothing fails', async () => {
    const failures: SignerNodeFailure[] = []
    const { recipient, pay: payAmount } = await distributedPayments(failures)
    const pay = () => payAmount(10n)
    await pay()
    // Node 1 (asked first, its pool of commitments filled) restarts on the same address.
    await network.restart(1)
    const answers = await node1ShareAnswers(pay)
    assert.equal(answers[0], 409, 'the restarted node was first asked under a commitment it made before its restart')
    assert.ok(answers.length >= 2 && answers.slice(1).every((status) => status === 200), `answers ${answers.join(', ')}`)
    assert.deepEqual(failures, [])
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 20n)
  })

  it('a node answering commitments that are not curve points, or a share that is not a scalar, is named; the others sign', async () => {
    const failures: SignerNodeFailure[] = []
    await network.restart(1, { testFault: 'bad-commitment' })
    const { pay, recipient } = await distributedPayments(failures)
    await pay(10n)
    assert.deepEqual([...new Set(failures.map((f) => `${f.node.identifier}:${f.kind}`))], [`${identifierOf(1)}:bad-commitment`])
    failures.length = 0
    await network.restart(1)
    await network.restart(2, { testFault: 'out-of-range-share' })
    const second = await distributedPayments(failures)
    await second.pay(10n)
    assert.deepEqual([...new Set(failures.map((f) => `${f.node.identifier}:${f.kind}`))], [`${identifierOf(2)}:bad-share`])
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 10n)
    assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, second.recipient), 10n)
    await network.restart(2)
  })

  it('a signing package with a malformed co-signer commitment is refused before the node uses its nonce', async () => {
    const { request, groupPublicKey, post, one, first, second } = await twoCommitments()
    const wire = encodeSessionSigningRequest(request)
    const cases: [string, unknown[], RegExp][] = [
      ['a co-signer commitment off the curve', [first.commitments, { ...second.commitments, hiding: `02${'ff'.repeat(32)}` }], /participant 0+2's commitment is not two curve points/],
      ['a participant named twice', [first.commitments, first.commitments], /participant 0+1 is named twice/],
      ['too few commitments', [first.commitments], /1 commitments; the key needs 2 to 3/],
      ['a stranger', [first.commitments, { ...second.commitments, identifier: identifierOf(9) }], /not a participant of the key/],
    ]
    for (const [what, commitments, reason] of cases) {
      await assert.rejects(post(one!, '/sign/share', { groupPublicKey, commitmentId: first.commitmentId, commitments, request: wire }), (error: unknown) => {
        assert.ok(error instanceof SignerNetworkError, `${what}: ${String(error)}`)
        assert.match(error.message, reason, what)
        return true
      })
    }
    // The nonce was not used: the well-formed package is signed under the same commitment.
    const share = await post<{ identifier: string; share: string }>(one!, '/sign/share', { groupPublicKey, commitmentId: first.commitmentId, commitments: [first.commitments, second.commitments], request: wire })
    assert.equal(share.identifier, one!.identifier)
    assert.match(share.share, /^[0-9a-f]{64}$/)
  })

  it('every node refuses, each with the reason, an out-of-policy request, and unauthenticated or replayed signing requests', async () => {
    const { client, key, grants, signer, recipient } = await distributedPayments()
    const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer, precheck: false })
    const tooMuch = encodeSessionSigningRequest(await paymentRequest(unchecked, grants[0]!, recipient, 101n))
    const groupPublicKey = key.groupPublicKey.slice(2)
    const { post, commit } = signerNodeByHand(client, groupPublicKey)
    for (const node of key.nodes) {
      const own = await commit(node)
      const body = { groupPublicKey, commitmentId: own.commitmentId, commitments: [own.commitments, (await commit(key.nodes.find((n) => n !== node)!)).commitments], request: tooMuch }
      await assert.rejects(post(node, '/sign/share', body), (error: unknown) => {
        assert.ok(error instanceof SignerNetworkRefusedError, `node ${node.identifier}: ${String(error)}`)
        assert.match(error.reason, /session 0: call 0: policy: .*101.*above the limit of 100/)
        return true
      })
      // No authentication, then a well-signed request sent twice: 401 each time, with the reason.
      const raw = async (payload: unknown) => {
        const response = await fetch(`${node.url}/sign/share`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
        return [response.status, ((await response.json()) as { reason: string }).reason]
      }
      assert.deepEqual(await raw(body), [401, 'no authentication'])
      const auth = await signNodeRequest(client, node.signingKey, '/sign/share', body)
      assert.equal((await raw({ ...body, auth }))[0], 403)
      assert.deepEqual(await raw({ ...body, auth }), [401, 'the request was replayed'])
    }
  })

  it('a node that refuses what the others sign (here: it has no chain to check against) is left out, reported and asked last', async () => {
    await network.restart(1, { withoutChain: true })
    const failures: SignerNodeFailure[] = []
    const { pay, recipient, grants, signer } = await distributedPayments(failures)
    try {
      const answers = await node1ShareAnswers(() => pay(10n))
      assert.equal(await balanceOf(devnet, devnet.contracts.demoToken, recipient), 10n)
      assert.ok(answers.length > 0 && answers.every((status) => status === 403), `node 1 answered ${answers.join(', ')}`)
      // Reported once as refusing what the others signed, then asked last (the op's other signatures did not meet it).
      assert.deepEqual(
        failures.map((f) => [f.node.identifier, f.kind]),
        [[identifierOf(1), 'refused']],
      )
      assert.equal(answers.length, 1)
      // An out-of-policy request is still refused, with the policy's reason (node 1, now asked last, is not asked).
      const unchecked = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer, precheck: false })
      await assert.rejects(
        sendUserOperationAndWait(devnet.bundlerClient, { account: unchecked, calls: [erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, 91n])], gas: { callGasLimit: 200_000n, verificationGasLimit: 600_000n, preVerificationGas: 100_000n } }),
        (error: unknown) => error instanceof SignerNetworkRefusedError && /above the limit of 100/.test(error.reason),
      )
    } finally {
      await network.restart(1)
    }
  })
})
