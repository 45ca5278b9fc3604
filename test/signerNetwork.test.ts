/**
 * The signer network's key generation, with every node its own process and database (the distributed-
 * sessions issue): a 2-of-3 DKG run by the SDK as relay, the key shares back after a node is killed and
 * restarted, no plaintext share in a node's database, and unauthenticated, replayed, expired or misdirected
 * requests refused; a DKG on every pair of nodes; an operator allow-list for key generation. Signing through
 * the nodes: distributedSession.test.ts and signerNetworkFaults.test.ts.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { generateDistributedKey, signNodeRequest, SignerNetworkError } from '@latchkey/sdk'
import { AtRestCipher, startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { nodeStoreBackends } from './fixtures/nodeStores.ts'

for (const backend of nodeStoreBackends('signer network tests')) {
let network: SignerNetwork

const urls = () => network.nodes.map((n) => n.url)
const getJson = async (url: string) => (await fetch(url)).json() as Promise<Record<string, string>>
const postRaw = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, json: (await response.json()) as Record<string, string> }
}

describe(`signer network: distributed key generation between node processes (${backend.name})`, () => {
  before(async () => {
    await backend.prepare([1, 2, 3])
    network = await startSignerNetwork(3, backend.databaseUrl ? { databaseUrl: backend.databaseUrl } : {})
  })
  after(async () => {
    await network?.stop()
  })

  it('2-of-3: the SDK relays a DKG; every node holds a share of one group key; any 2 verifying shares give it', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    const { groupPublicKey, nodes } = await generateDistributedKey({ nodes: urls(), threshold: 2, client })
    assert.equal(nodes.length, 3)
    const stored = await Promise.all(urls().map((url) => getJson(`${url}/keys/${groupPublicKey.slice(2)}`)))
    for (const key of stored) {
      assert.equal(key.groupPublicKey, groupPublicKey.slice(2))
      assert.equal(String(key.client).toLowerCase(), client.address.toLowerCase())
    }
    // Lagrange interpolation at 0 of any two verifying shares (share_i · G) is the group key.
    const n = secp256k1.Point.Fn.ORDER
    const inv = (a: bigint) => secp256k1.Point.Fn.inv(((a % n) + n) % n)
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
      const [xa, xb] = [BigInt(`0x${stored[a]!.identifier}`), BigInt(`0x${stored[b]!.identifier}`)]
      const la = (xb * inv(xb - xa)) % n
      const lb = (xa * inv(xa - xb)) % n
      const combined = secp256k1.Point.fromHex(stored[a]!.verifyingShare!).multiply(la).add(secp256k1.Point.fromHex(stored[b]!.verifyingShare!).multiply(lb))
      assert.equal(combined.toHex(true), groupPublicKey.slice(2), `nodes ${a + 1} and ${b + 1}`)
    }
  })

  it('2-of-2 on every pair of the three nodes: each pair gets its own group key', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    const keys = new Set<string>()
    for (const pair of [[0, 1], [0, 2], [1, 2]] as const) {
      const { groupPublicKey, nodes } = await generateDistributedKey({ nodes: pair.map((i) => urls()[i]!), threshold: 2, client })
      assert.deepEqual(nodes.map((n) => n.url), pair.map((i) => urls()[i]))
      const stored = await Promise.all(pair.map((i) => getJson(`${urls()[i]}/keys/${groupPublicKey.slice(2)}`)))
      for (const key of stored) assert.deepEqual([key.groupPublicKey, key.min, key.max], [groupPublicKey.slice(2), 2, 2])
      // The node left out holds nothing of this key.
      const outside = urls().find((_, i) => !(pair as readonly number[]).includes(i))!
      assert.equal((await fetch(`${outside}/keys/${groupPublicKey.slice(2)}`)).status, 404)
      keys.add(groupPublicKey)
    }
    assert.equal(keys.size, 3)
  })

  it('a node killed with SIGKILL and restarted has its shares back; its database holds no plaintext share', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    const { groupPublicKey } = await generateDistributedKey({ nodes: urls(), threshold: 2, client })
    const before_ = await getJson(`${network.nodes[1]!.url}/keys/${groupPublicKey.slice(2)}`)
    const node = await network.restart(2)
    const after_ = await getJson(`${node.url}/keys/${groupPublicKey.slice(2)}`)
    assert.deepEqual(after_, before_)
    // With the node key (a separate file), the sealed package opens: the share in it appears nowhere in what the store holds.
    const cipher = AtRestCipher.loadOrCreate(join(node.dataDir, 'node.key'))
    await network.kill(2, 'SIGTERM')
    const stored = await backend.storedText(node)
    const row = await backend.sealedPackageOf(node, groupPublicKey.slice(2))
    assert.ok(stored.includes(Buffer.from(row, 'latin1')), 'the store dump does not hold the sealed package it should')
    const keyPackage = JSON.parse(new TextDecoder().decode(cipher.open(row, `key/${groupPublicKey.slice(2)}`))) as { signingShare: string }
    assert.equal(keyPackage.signingShare.length, 64)
    assert.equal(stored.includes(Buffer.from(keyPackage.signingShare, 'hex')), false, 'the raw share is in the store')
    assert.equal(stored.includes(Buffer.from(keyPackage.signingShare, 'latin1')), false, 'the hex share is in the store')
    // The share is a valid one: share · G is the node's verifying share.
    assert.equal(secp256k1.Point.BASE.multiply(BigInt(`0x${keyPackage.signingShare}`)).toHex(true), before_.verifyingShare)
    await network.restart(2)
  })

  it('refuses requests without authentication, replayed, expired, or meant for another node (401, the reason)', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    const [first, second] = await Promise.all(urls().slice(0, 2).map((url) => getJson(`${url}/identity`)))
    const setup = { dkgId: 'aa'.repeat(16), min: 2, participants: [] }
    const url = `${network.nodes[0]!.url}/dkg/round1`
    const none = await postRaw(url, { setup })
    assert.deepEqual([none.status, none.json.reason], [401, 'no authentication'])
    const misdirected = await postRaw(url, { setup, auth: await signNodeRequest(client, second!.signingKey!, '/dkg/round1', { setup }) })
    assert.deepEqual([misdirected.status, misdirected.json.reason], [401, 'the request is for another node'])
    const expired = await postRaw(url, { setup, auth: await signNodeRequest(client, first!.signingKey!, '/dkg/round1', { setup }, -10) })
    assert.deepEqual([expired.status, expired.json.reason], [401, 'the request expired'])
    const tampered = await signNodeRequest(client, first!.signingKey!, '/dkg/round1', { setup })
    const altered = await postRaw(url, { setup: { ...setup, min: 3 }, auth: tampered })
    assert.deepEqual([altered.status, altered.json.reason], [401, 'the signature is not the client’s'])
    // A well-signed request passes authentication (then fails on its empty setup), and its replay is refused.
    const auth = await signNodeRequest(client, first!.signingKey!, '/dkg/round1', { setup })
    const once = await postRaw(url, { setup, auth })
    assert.equal(once.status, 400)
    const twice = await postRaw(url, { setup, auth })
    assert.deepEqual([twice.status, twice.json.reason], [401, 'the request was replayed'])
  })
})
}

describe('signer network: an operator allow-list for key generation', () => {
  it('a node started with --dkg-clients runs key generation only for the clients listed (401, the reason)', async () => {
    const allowed = privateKeyToAccount(generatePrivateKey())
    const stranger = privateKeyToAccount(generatePrivateKey())
    const listed = await startSignerNetwork(2, { dkgClients: [allowed.address] })
    try {
      const nodes = listed.nodes.map((n) => n.url)
      await assert.rejects(generateDistributedKey({ nodes, threshold: 2, client: stranger }), (error: unknown) => {
        assert.ok(error instanceof SignerNetworkError, String(error))
        assert.match(error.message, /401|unauthenticated/)
        assert.match(error.message, /this client may not start a key generation on this node/)
        return true
      })
      const { groupPublicKey } = await generateDistributedKey({ nodes, threshold: 2, client: allowed })
      assert.equal((await fetch(`${nodes[0]}/keys/${groupPublicKey.slice(2)}`)).status, 200)
    } finally {
      await listed.stop()
    }
    // The temporary directory it made, with the nodes' key shares, is gone with it.
    assert.equal(existsSync(dirname(listed.nodes[0]!.dataDir)), false)
  })
})
