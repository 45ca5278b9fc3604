/**
 * A session whose signer is a FROST threshold group key (the distributed-sessions issue, on chain): the
 * SessionKeyManager hands the signature to FrostSignerVerifier and nothing else changes. The group signs in
 * this process from a trusted dealer's shares (tests only; the signer network is the real signer).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { demoCounterAbi } from '@latchkey/contracts'
import { checkValidationRules } from '@latchkey/devnet'
import type { UserOperation } from 'viem/account-abstraction'
import { hexToBytes } from 'viem'
import {
  createSession,
  frostOnChainSignature,
  frostSessionSigner,
  grantSessions,
  permission,
  sendUserOperationAndWait,
  sessionMessageHash,
  toSessionAccount,
  type SessionSigner,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { inProcessFrostGroup } from './fixtures/frostGroup.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const counted = (account: `0x${string}`) =>
  devnet.publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })

describe('a session signed by a FROST 2-of-3 group', () => {
  it('is used through the bundler, passes ERC-7562, and a signature by another group is refused (AA24)', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const group = inProcessFrostGroup(2, 3)
    const session = createSession({
      signer: group.signer,
      validFor: 3600,
      permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })],
    })
    assert.equal(session.signerVerifier, devnet.contracts.frostSignerVerifier)
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const account = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: group.signer })
    const call = { to: devnet.contracts.demoCounter, data: countData }

    const prepared = (await devnet.bundlerClient.prepareUserOperation({ account, calls: [call] })) as UserOperation<'0.7'>
    const userOperation = { ...prepared, signature: await account.signUserOperation(prepared) }
    assert.deepEqual(await checkValidationRules(devnet.publicClient, { userOperation, factoryStaked: true }), [])
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [call] })
    await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [call] })
    assert.equal(await counted(owner.address), 3n)

    // Another group signs for this group's key. frostSessionSigner checks the aggregate and refuses to send.
    const other = inProcessFrostGroup(2, 3)
    const impostor = frostSessionSigner({ groupPublicKey: group.groupPublicKey, sign: async (message) => other.sign(message) })
    const refused = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: impostor })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: refused, calls: [call] }), /does not verify under the group key/)
    // Sent anyway (a signer that does not check): the verifier refuses it, the EntryPoint says AA24.
    const unchecked: SessionSigner = {
      ...impostor,
      signSessionHash: async (signingHash) => frostOnChainSignature(other.sign(hexToBytes(sessionMessageHash(signingHash)))),
    }
    const forged = await toSessionAccount({ client: devnet.publicClient, grant: grants[0]!, signer: unchecked })
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: forged, calls: [call], gas: { callGasLimit: 100_000n, verificationGasLimit: 400_000n, preVerificationGas: 80_000n } }),
      /AA24/,
    )
    assert.equal(await counted(owner.address), 3n)
  })
})
