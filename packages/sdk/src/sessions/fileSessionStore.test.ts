import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import { createSession, permission } from './createSession.ts'
import { FileSessionStore } from './fileSessionStore.ts'
import { sessionDigest } from './sessionEncoding.ts'
import type { SessionGrant } from './sessionGrant.ts'

const key = `0x${'ab'.repeat(32)}` as Hex
const session = createSession({ signer: '0x00000000000000000000000000000000000000aa', validFor: 60, permissions: [permission({ target: '0x00000000000000000000000000000000000000c0' })] })
const grant: SessionGrant = {
  chainId: 31337,
  account: '0x00000000000000000000000000000000000000c0',
  manager: '0x00000000000000000000000000000000000000aa',
  session,
  digest: sessionDigest(session),
  grant: { type: 'approval', epoch: 0n, approval: '0x1234' },
}

describe('FileSessionStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-store-'))
  const path = join(dir, 'sessions.json')

  it('never writes a key in plain text unless asked, and encrypts it with a passphrase', async () => {
    await assert.rejects(new FileSessionStore(path).save({ grant, privateKey: key }), /only encrypted/)
    await new FileSessionStore(path, { passphrase: 'correct horse' }).save({ grant, privateKey: key })
    assert.doesNotMatch(readFileSync(path, 'utf8'), /abababab/)
    assert.equal((await new FileSessionStore(path, { passphrase: 'correct horse' }).load(grant.digest))?.privateKey, key)
    await assert.rejects(new FileSessionStore(path, { passphrase: 'wrong' }).load(grant.digest), /wrong passphrase/)
    await assert.rejects(new FileSessionStore(path).load(grant.digest), /give the passphrase/)
  })

  it('stores plain keys when asked, lists and removes', async () => {
    const plain = new FileSessionStore(join(dir, 'plain.json'), { plaintextKeys: true })
    await plain.save({ grant, privateKey: key })
    assert.match(readFileSync(join(dir, 'plain.json'), 'utf8'), /abababab/)
    assert.equal((await plain.list()).length, 1)
    await plain.remove(grant.digest)
    assert.equal((await plain.list()).length, 0)
    rmSync(dir, { recursive: true })
  })
})
