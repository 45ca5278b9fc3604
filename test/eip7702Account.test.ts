/**
 * EIP-7702 accounts (issue 18, item 3): an EOA delegates to LatchkeyAccount7702 with its first userOp (the
 * authorization travels beside the op; Alto sends it in a type-4 transaction) and then has sessions like any
 * other account. On a devnet of its own at the Prague hardfork (EIP-7702's), the shared one being Cancun.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, hashMessage, http, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, latchkeyAccountAbi } from '@latchkey/contracts'
import { checkValidationRules } from '@latchkey/devnet'
import {
  createSession,
  delegationOf,
  Eip7702DelegationError,
  encodeExecute,
  grantSessions,
  permission,
  revokeSessions,
  sendUserOperationAndWait,
  SessionNotUsableError,
  toLatchkey7702Account,
  toSessionAccount,
} from '@latchkey/sdk'
import { startOwnDevnet } from './fixtures/devnet.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { countData } from './fixtures/sessions.ts'

let chain: Awaited<ReturnType<typeof startOwnDevnet>>
before(async () => {
  chain = await startOwnDevnet({ hardfork: 'prague' })
})
after(() => chain?.stop())

const codeOf = async (address: Hex) => delegationOf(await chain.publicClient.getCode({ address }))
const counted = (address: Hex) => chain.publicClient.readContract({ address: chain.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [address] })
const count = () => ({ to: chain.contracts.demoCounter, data: countData })

/** The EOA delegates to `target` itself, in a type-4 transaction of its own. */
async function delegateDirectly(eoa: ReturnType<typeof privateKeyToAccount>, target: Hex) {
  const wallet = createWalletClient({ chain: chain.chain, transport: http(chain.rpcUrl), account: eoa })
  const authorization = await wallet.signAuthorization({ contractAddress: target, executor: 'self' })
  // Sent to another address: the EOA's new code (here, a contract with no fallback) need not accept the call.
  const hash = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000dEaD', data: '0x', authorizationList: [authorization] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
}

describe('an EOA on LatchkeyAccount7702 (EIP-7702)', () => {
  const eoa = privateKeyToAccount(generatePrivateKey())
  const key = privateKeyToAccount(generatePrivateKey())
  const session = () => createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: chain.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
  let grant: Awaited<ReturnType<typeof grantSessions>>['grants'][number]

  it('its first userOp carries the authorization and installs the manager; a session is then used through the bundler', async () => {
    await chain.fund(eoa.address, '1')
    const account = await toLatchkey7702Account({ client: chain.publicClient, owner: eoa })
    assert.equal(account.address, eoa.address)
    assert.equal(await codeOf(eoa.address), null, 'a plain EOA before')
    grant = (await grantSessions(chain.bundlerClient, { account, manager: chain.contracts.sessionKeyManager, sessions: [session()] })).grants[0]!
    assert.equal((await codeOf(eoa.address))?.toLowerCase(), chain.contracts.latchkeyAccount7702.toLowerCase())
    assert.equal(await chain.publicClient.readContract({ address: eoa.address, abi: latchkeyAccountAbi, functionName: 'accountId' }), 'latchkey.account7702.0.1.0')

    const user = await toSessionAccount({ client: chain.publicClient, grant, signer: key })
    const prepared = (await chain.bundlerClient.prepareUserOperation({ account: user, calls: [count()] })) as UserOperation<'0.7'>
    const userOperation = { ...prepared, signature: await user.signUserOperation(prepared) }
    assert.deepEqual(await checkValidationRules(chain.publicClient, { userOperation }), [])
    await sendUserOperationAndWait(chain.bundlerClient, { account: user, calls: [count()] })
    await sendUserOperationAndWait(chain.bundlerClient, { account: user, calls: [count()] })
    assert.equal(await counted(eoa.address), 2n)
    // The owner's ERC-1271 (ERC-7739, bound to the EOA's address) and the owner path still work.
    const signature = await account.signMessage({ message: 'hello' })
    assert.equal(await chain.publicClient.readContract({ address: eoa.address, abi: latchkeyAccountAbi, functionName: 'isValidSignature', args: [hashMessage('hello'), signature] }), '0x1626ba7e')
    await sendUserOperationAndWait(chain.bundlerClient, { account, calls: [count()] })
    assert.equal(await counted(eoa.address), 3n)
  })

  it('delegated to another implementation: the SDK refuses, and its sessions fail on chain there', async () => {
    await delegateDirectly(eoa, chain.contracts.demoCounter)
    assert.equal((await codeOf(eoa.address))?.toLowerCase(), chain.contracts.demoCounter.toLowerCase())
    const account = await toLatchkey7702Account({ client: chain.publicClient, owner: eoa })
    await assert.rejects(sendUserOperationAndWait(chain.bundlerClient, { account, calls: [count()] }), (error: unknown) => error instanceof Eip7702DelegationError && error.delegate?.toLowerCase() === chain.contracts.demoCounter.toLowerCase())
    // The session's op, built by hand and sent to handleOps: the delegate has no validateUserOp.
    const op = await sessionOpByHand(chain, { grant, signer: key, callData: encodeExecute([count()]), permissionIndices: [0], declaredTime: Number((await chain.publicClient.getBlock()).timestamp) })
    assertRefusedInValidation(await submitAsOwnBundler(chain, op), /AA23/)
    assert.equal(await counted(eoa.address), 3n)
  })

  it('delegated back (redelegate): its storage kept, the old session works again until the owner revokes it', async () => {
    const account = await toLatchkey7702Account({ client: chain.publicClient, owner: eoa, redelegate: true })
    await sendUserOperationAndWait(chain.bundlerClient, { account, calls: [count()] })
    assert.equal((await codeOf(eoa.address))?.toLowerCase(), chain.contracts.latchkeyAccount7702.toLowerCase())
    const user = await toSessionAccount({ client: chain.publicClient, grant, signer: key })
    await sendUserOperationAndWait(chain.bundlerClient, { account: user, calls: [count()] })
    assert.equal(await counted(eoa.address), 5n)
    await revokeSessions(chain.bundlerClient, { account, manager: chain.contracts.sessionKeyManager, sessions: 'all' })
    await assert.rejects(sendUserOperationAndWait(chain.bundlerClient, { account: user, calls: [count()] }), (error: unknown) => error instanceof SessionNotUsableError)
  })

  it('an authorization for another implementation, sent with the first op, is refused (the bundler simulates it: AA23)', async () => {
    const other = privateKeyToAccount(generatePrivateKey())
    await chain.fund(other.address, '1')
    // The SDK told another implementation (as a phished or mistaken setting would): the op's validation runs
    // that code, which has no validateUserOp, and the EntryPoint refuses the op; nothing is counted.
    const account = await toLatchkey7702Account({ client: chain.publicClient, owner: other, implementation: chain.contracts.demoCounter })
    const refused = await sendUserOperationAndWait(chain.bundlerClient, { account, calls: [count()], gas: { callGasLimit: 100_000n, verificationGasLimit: 200_000n, preVerificationGas: 60_000n } }).then(
      () => undefined,
      (error: Error) => error,
    )
    assert.ok(refused, 'the op was accepted')
    assert.match(refused.message, /AA23/)
    // The bundler simulated it with the authorization and refused it: nothing was sent, the EOA is still plain.
    assert.equal(await codeOf(other.address), null)
    assert.equal(await counted(other.address), 0n)
  })
})
