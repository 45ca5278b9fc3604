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
import { erc20Abi, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  createDistributedSession,
  encodeSessionSigningRequest,
  grantSessions,
  perPeriod,
  callPolicy,
  sendUserOperationAndWait,
  SignerNetworkRefusedError,
  toSessionAccount,
  type SessionGrant,
  type SessionSigningRequest,
} from '@latchkey/sdk'
import { startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { erc20Call, mintUsd, prepareWithFixedGas } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'
import { signerNodeByHand } from './fixtures/signerNodeByHand.ts'

let devnet: DevnetFixture
let network: SignerNetwork
before(async () => {
  devnet = await useDevnet()
  network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl })
})
after(async () => {
  await network?.stop()
})

/** A granted 2-of-3 session that may transfer 100 LKUSD a day, its session account, and the signing protocol by hand. */
async function distributedSession() {
  const owner = await deployedOwnerAccount(devnet)
  await mintUsd(devnet, owner.address, 1_000n)
  const client = privateKeyToAccount(generatePrivateKey())
  const recipient = privateKeyToAccount(generatePrivateKey()).address
  const { session, signer, key } = await createDistributedSession({
    nodes: network.nodes.map((n) => n.url),
    threshold: 2,
    client,
    validFor: 3600,
    permissions: [callPolicy({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'transfer', args: [undefined, perPeriod(100n, 86_400)], policy: devnet.contracts.sessionKeyManager })],
  })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const grant = grants[0]!
  const account = await toSessionAccount({ client: devnet.publicClient, grant, signer, precheck: false })
  const groupPublicKey = key.groupPublicKey.slice(2)
  const node = key.nodes[0]!
  const other = key.nodes[1]!
  const { post, commit } = signerNodeByHand(client, groupPublicKey)
  /** Asks the first node for its share of `request`: its answer, or its refusal's reason. */
  const ask = async (request: SessionSigningRequest): Promise<{ signed: true } | { signed: false; reason: string }> => {
    const own = await commit(node)
    const body = { groupPublicKey, commitmentId: own.commitmentId, commitments: [own.commitments, (await commit(other)).commitments], request: encodeSessionSigningRequest(request) }
    try {
      await post(node, '/sign/share', body)
      return { signed: true }
    } catch (error) {
      if (!(error instanceof SignerNetworkRefusedError)) throw error
      return { signed: false, reason: error.reason }
    }
  }
  const transfer = (amount: bigint) => erc20Call(devnet.contracts.demoToken, 'transfer', [recipient, amount])
  return { grant, account, ask, transfer }
}

const now = () => Math.floor(Date.now() / 1000)
const request = (op: SessionSigningRequest['userOperation'], grant: SessionGrant, entries: SessionSigningRequest['entries'], parts = 1, declaredTime = now()): SessionSigningRequest => ({
  userOperation: op,
  parts: Array.from({ length: parts }, () => ({ grant, mode: 'root' as const })),
  entries,
  declaredTime,
})
const refused = (answer: Awaited<ReturnType<Awaited<ReturnType<typeof distributedSession>>['ask']>>, reason: RegExp) => {
  assert.equal(answer.signed, false, `the node signed; expected a refusal matching ${reason}`)
  if (!answer.signed) assert.match(answer.reason, reason)
}

describe('signer network: the nodes refuse what the chain would refuse', () => {
  it('a batch carrying the same session twice (60 + 60 against a total of 100): refused; one part of 60 + 30 is signed', async () => {
    const { grant, account, ask, transfer } = await distributedSession()
    const twice = await prepareWithFixedGas(devnet, account, [transfer(60n), transfer(60n)])
    refused(await ask(request(twice, grant, [{ session: 0, permission: 0 }, { session: 1, permission: 0 }], 2)), /session 1 is session 0 again/)
    const fair = await prepareWithFixedGas(devnet, account, [transfer(60n), transfer(30n)])
    assert.deepEqual(await ask(request(fair, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), { signed: true })
  })

  it('a batch execution whose target has dirty upper bytes: refused (the account would revert decoding it)', async () => {
    const { grant, account, ask, transfer } = await distributedSession()
    const op = await prepareWithFixedGas(devnet, account, [transfer(1n), transfer(2n)])
    const word = `000000000000000000000000${devnet.contracts.demoToken.slice(2).toLowerCase()}`
    assert.ok(op.callData.toLowerCase().includes(word))
    const dirty = { ...op, callData: op.callData.toLowerCase().replace(word, `ffffffffffffffffffffffff${word.slice(24)}`) as Hex }
    refused(await ask(request(dirty, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), /not in canonical ABI encoding/)
    assert.deepEqual(await ask(request(op, grant, [{ session: 0, permission: 0 }, { session: 0, permission: 0 }])), { signed: true })
  })

  it('an op whose nonce is already used: refused', async () => {
    const { grant, account, ask, transfer } = await distributedSession()
    const stale = await prepareWithFixedGas(devnet, account, [transfer(1n)])
    assert.deepEqual(await ask(request(stale, grant, [{ session: 0, permission: 0 }])), { signed: true })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [transfer(1n)], gas: { callGasLimit: 300_000n, verificationGasLimit: 600_000n, preVerificationGas: 80_000n } })
    refused(await ask(request(stale, grant, [{ session: 0, permission: 0 }])), /nonce .* already used/)
  })

  it('an op declaring a time in a future period: refused; the same op declaring now is signed', async () => {
    const { grant, account, ask, transfer } = await distributedSession()
    const op = await prepareWithFixedGas(devnet, account, [transfer(1n)])
    refused(await ask(request(op, grant, [{ session: 0, permission: 0 }], 1, now() + 86_400)), /declares .* ahead of the chain/)
    assert.deepEqual(await ask(request(op, grant, [{ session: 0, permission: 0 }])), { signed: true })
  })
})

describe('signer network: load', () => {
  it('spreads signatures over every node of a 2-of-3 network (each signature starts at the next node)', async () => {
    const { account, transfer } = await distributedSession()
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
