/**
 * The signer network's key generation, with every node its own process and database (the distributed-
 * sessions issue): a 2-of-3 DKG run by the SDK as relay, the key shares back after a node is killed and
 * restarted, no plaintext share in a node's database, and unauthenticated, replayed, expired or misdirected
 * requests refused. (Signing through the nodes, with their policy checks, is the next part of the issue.)
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { generateDistributedKey, signNodeRequest } from '@latchkey/sdk'
import { AtRestCipher, startSignerNetwork, type SignerNetwork } from '@latchkey/node'

let network: SignerNetwork
before(async () => {
  network = await startSignerNetwork(3)
})
after(async () => {
  await network?.stop()
})

const urls = () => network.nodes.map((n) => n.url)
const getJson = async (url: string) => (await fetch(url)).json() as Promise<Record<string, string>>
const postRaw = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, json: (await response.json()) as Record<string, string> }
}

describe('signer network: distributed key generation between node processes', () => {
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

  it('a node killed with SIGKILL and restarted has its shares back; its database holds no plaintext share', async () => {
    const client = privateKeyToAccount(generatePrivateKey())
    const { groupPublicKey } = await generateDistributedKey({ nodes: urls(), threshold: 2, client })
    const before_ = await getJson(`${network.nodes[1]!.url}/keys/${groupPublicKey.slice(2)}`)
    const node = await network.restart(2)
    const after_ = await getJson(`${node.url}/keys/${groupPublicKey.slice(2)}`)
    assert.deepEqual(after_, before_)
    // With the node key (a separate file), the sealed package opens: the share in it appears nowhere in the database files.
    const cipher = AtRestCipher.loadOrCreate(join(node.dataDir, 'node.key'))
    await network.kill(2, 'SIGTERM')
    const files = readdirSync(node.dataDir).filter((f) => f.startsWith('node.sqlite'))
    const database = Buffer.concat(files.map((f) => readFileSync(join(node.dataDir, f))))
    const Database = (await import('better-sqlite3')).default
    const db = new Database(join(node.dataDir, 'node.sqlite'), { readonly: true })
    const row = db.prepare('SELECT sealed_package FROM keys WHERE group_public_key = ?').get(groupPublicKey.slice(2)) as { sealed_package: string }
    db.close()
    const keyPackage = JSON.parse(new TextDecoder().decode(cipher.open(row.sealed_package, `key/${groupPublicKey.slice(2)}`))) as { signingShare: string }
    assert.equal(keyPackage.signingShare.length, 64)
    assert.equal(database.includes(Buffer.from(keyPackage.signingShare, 'hex')), false, 'the raw share is in the database')
    assert.equal(database.includes(Buffer.from(keyPackage.signingShare, 'latin1')), false, 'the hex share is in the database')
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
