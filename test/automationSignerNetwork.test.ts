/**
 * Issue 17, jobs signed by the FROST signer network: the runner holds only the client credential registered
 * with the group key, never a session key. A subscription under a distributed 2-of-3 session is paid with a
 * node down, retried with the reason while two are down, paid again once one is back, and paused at its
 * total; a credential the nodes did not register, and a group key that is not the session's, are refused
 * when the job is added.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createDistributedSession, erc20Policy, grantSessions, serializeSessionGrant, latchkeyModules } from '@latchkey/sdk'
import { AtRestCipher, startSignerNetwork, type SignerNetwork } from '@latchkey/node'
import { AutomationApiError, createAutomation, createAutomationClient, JobSpecError, startAutomationServer } from '@latchkey/automation'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { passUntil, runnerFor, tempDir } from './fixtures/automationJobs.ts'
import { balanceOf, mintUsd } from './fixtures/policySessions.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
let network: SignerNetwork
before(async () => {
  devnet = await useDevnet()
  network = await startSignerNetwork(3, { rpcUrl: devnet.rpcUrl })
})
after(async () => {
  await network?.stop()
})

/** A distributed session that may pay `payee` at most 25 LKUSD in all, granted by root, and a job paying 10 each run. */
async function distributedSubscription() {
  const owner = await deployedOwnerAccount(devnet)
  await mintUsd(devnet, owner.address, 1_000n)
  const clientKey = generatePrivateKey()
  const payee = privateKeyToAccount(generatePrivateKey()).address
  const token = devnet.contracts.demoToken
  const { session, key } = await createDistributedSession({
    nodes: network.nodes.map((n) => n.url),
    threshold: 2,
    client: privateKeyToAccount(clientKey),
    validFor: 3600,
    permissions: [erc20Policy({ token, total: 25n, recipients: [payee] })],
  })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const grant = grants[0]!
  const spec = {
    kind: 'schedule',
    everySeconds: 1,
    action: { type: 'recurring-payment', token, to: payee, amount: '10' },
    grant: JSON.parse(serializeSessionGrant(grant)),
    signer: { type: 'signer-network', ...key },
  }
  return { clientKey, payee, token, grant, spec }
}

describe('automation: jobs signed by the signer network', () => {
  it('paid with a node down, retried while two are down, paid when one is back, paused at the total; the runner holds no session key', async () => {
    const { clientKey, payee, token, grant, spec } = await distributedSubscription()
    assert.equal(grant.session.signerVerifier.toLowerCase(), latchkeyModules.frostSignerVerifier.toLowerCase())
    const dataDir = tempDir('latchkey-automation-')
    const automation = await runnerFor(devnet, { dataDir })
    try {
      const id = await automation.addJob(spec, clientKey)
      // The only secret the runner keeps for the job is the client credential.
      const sealed = (await automation.store.getJob(id))!.sealedKey
      assert.equal(new TextDecoder().decode(AtRestCipher.loadOrCreate(join(dataDir, 'runner.key')).open(sealed, `job/${id}`)), clientKey)

      await network.kill(3)
      await passUntil(automation, async () => (await automation.getJob(id))!.runs.some((r) => r.state === 'landed'))
      assert.equal(await balanceOf(devnet, token, payee), 10n)

      await network.kill(2)
      await passUntil(automation, async () => (await automation.getJob(id))!.job.failures > 0)
      const waiting = (await automation.getJob(id))!
      assert.equal(waiting.job.status, 'active')
      assert.match(waiting.job.reason!, /the signer network did not sign: .*fewer than 2 nodes/)
      assert.equal(await balanceOf(devnet, token, payee), 10n)

      await network.restart(2)
      await automation.resume(id) // the backoff is up to a minute: the owner says "now"
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'paused', 60_000)
      const view = (await automation.getJob(id))!
      assert.equal(await balanceOf(devnet, token, payee), 20n)
      assert.deepEqual(view.runs.filter((r) => r.state === 'landed').length, 2)
      assert.match(view.job.reason!, /refuses the run \(policy\).*25/)
    } finally {
      await automation.close()
      await network.restart(3)
    }
  })

  it('refused when added: a credential the nodes did not register, a group key that is not the session’s, a malformed signer', async () => {
    const { spec } = await distributedSubscription()
    const automation = await runnerFor(devnet)
    try {
      const refusedField = async (input: unknown, secret: `0x${string}`, field: string) =>
        assert.rejects(automation.addJob(input, secret), (e: unknown) => e instanceof JobSpecError && e.field === field)
      await refusedField(spec, generatePrivateKey(), 'clientKey')
      const other = await distributedSubscription()
      await refusedField({ ...spec, signer: other.spec.signer }, other.clientKey, 'signer.groupPublicKey')
      await refusedField({ ...spec, signer: { ...spec.signer, threshold: 4 } }, generatePrivateKey(), 'signer.threshold')
      await refusedField({ ...spec, signer: { ...spec.signer, type: 'local' } }, generatePrivateKey(), 'signer.type')
      await refusedField({ ...spec, signer: { ...spec.signer, nodes: [{ ...spec.signer.nodes[0], url: 'ftp://x' }, spec.signer.nodes[1]] } }, generatePrivateKey(), 'signer.nodes[0].url')
      assert.deepEqual(await automation.listJobs(), [])
    } finally {
      await automation.close()
    }
  })

  it('over the API, a job may name only the signer nodes on the operator’s list (the runner calls them)', async () => {
    const { clientKey, spec } = await distributedSubscription()
    const credential = privateKeyToAccount(generatePrivateKey())
    for (const signerNodes of [undefined, [network.nodes[0]!.url]]) {
      const automation = await createAutomation({ dataDir: tempDir('latchkey-automation-'), rpcUrl: devnet.rpcUrl, bundlerUrl: devnet.bundlerUrl, chain: devnet.chain, signerNodes })
      const server = await startAutomationServer(automation, { logger: false })
      try {
        const client = createAutomationClient({ url: server.url, credential })
        await assert.rejects(client.addJob(spec, clientKey), (e: unknown) => e instanceof AutomationApiError && e.field === `signer.nodes[${signerNodes ? 1 : 0}].url`)
      } finally {
        await server.close()
        await automation.close()
      }
    }
    const automation = await createAutomation({ dataDir: tempDir('latchkey-automation-'), rpcUrl: devnet.rpcUrl, bundlerUrl: devnet.bundlerUrl, chain: devnet.chain, signerNodes: network.nodes.map((n) => `${n.url}/`) })
    const server = await startAutomationServer(automation, { logger: false })
    try {
      const id = await createAutomationClient({ url: server.url, credential }).addJob(spec, clientKey)
      assert.equal((await automation.getJob(id))!.job.owner?.toLowerCase(), credential.address.toLowerCase())
    } finally {
      await server.close()
      await automation.close()
    }
  })
})
