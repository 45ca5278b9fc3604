/**
 * Issue 13, defect 3: a 1-second period let an op declare time 0. Its period, [0, 0], went back to the
 * EntryPoint as validUntil 0, which ERC-4337 reads as "no expiry": the op was held to no period at all. Now a
 * declared time in the first period of any periodic limit is refused (PolicyDeclaredTimeTooEarly), for the
 * built-in rules, the CallPolicy and Erc20Policy modules and the GasPolicy alike. Each attacking op is signed
 * by hand and sent by the attacker, as its own bundler, to handleOps; beside it, the same op declaring the
 * time of its block lands, so that a refusal for another reason would fail the test.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseEther, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoCounterAbi, demoTokenAbi } from '@latchkey/contracts'
import { callPolicy, createSession, encodeExecute, erc20Policy, gasPolicy, grantSessions, permission, streamPolicy, type Permission, type CreateSessionParameters } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { mintUsd } from './fixtures/policySessions.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

type Case = { name: string; permission: () => Permission; gas?: () => CreateSessionParameters['gas']; callData: () => Hex }

const countCall = () => encodeExecute([{ to: devnet.contracts.demoCounter, data: countData }])
const countLimited = (policy: 'built-in' | 'module') =>
  callPolicy({
    address: devnet.contracts.demoCounter,
    abi: demoCounterAbi,
    functionName: 'count',
    limits: { calls: { max: 100, period: 1 } },
    policy: policy === 'built-in' ? devnet.contracts.sessionKeyManager : devnet.contracts.callPolicy,
  })

const cases: Case[] = [
  { name: 'built-in rules (a call count per 1-second period)', permission: () => countLimited('built-in'), callData: countCall },
  { name: 'the CallPolicy module (a call count per 1-second period)', permission: () => countLimited('module'), callData: countCall },
  {
    name: 'the Erc20Policy module (tokens per 1-second period)',
    permission: () => erc20Policy({ token: devnet.contracts.demoToken, perPeriod: { max: 1_000n, period: 1 }, policy: devnet.contracts.erc20Policy }),
    callData: () => encodeExecute([{ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'transfer', args: [privateKeyToAccount(generatePrivateKey()).address, 1n] }) }]),
  },
  {
    name: 'the GasPolicy module (wei of fees per 1-second period)',
    permission: () => permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' }),
    gas: () => gasPolicy({ maxFeePerGas: parseEther('0.000001'), total: parseEther('1'), perPeriod: { max: parseEther('0.5'), period: 1 }, policy: devnet.contracts.gasPolicy }),
    callData: countCall,
  },
]

/**
 * Sends the op held to the 1-second period of its own block: it declares the time its block will most likely
 * have (the later of the clock and the latest block's time: anvil may mine blocks within one second) and is sent again, newly signed, if the
 * block came a second later (the bundle then reverts, changing nothing). No test asserts on a retried attempt.
 */
async function landInItsSecond(build: (declaredTime: number) => ReturnType<typeof sessionOpByHand>) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const latest = Number((await devnet.publicClient.getBlock()).timestamp)
    const outcome = await submitAsOwnBundler(devnet, await build(Math.max(latest, Math.floor(Date.now() / 1000))))
    if (outcome.included) return outcome
  }
  throw new Error('the op missed its one-second period five times')
}

describe('defect 3: an op declaring time 0 under a 1-second period', () => {
  for (const c of cases) {
    it(`is refused by ${c.name}; the same op declaring its block's time lands`, async () => {
      const owner = await deployedOwnerAccount(devnet)
      await mintUsd(devnet, owner.address, 10_000n)
      const key = privateKeyToAccount(generatePrivateKey())
      // No expiry of its own: only the period could hold the op to a time.
      const gas = c.gas?.()
      const session = createSession({ signer: key.address, validUntil: 0, permissions: [c.permission()], ...(gas ? { gas } : {}) })
      const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
      const grant = grants[0]!

      const attack = await sessionOpByHand(devnet, { grant, signer: key, callData: c.callData(), permissionIndices: [0], declaredTime: 0 })
      assertRefusedInValidation(await submitAsOwnBundler(devnet, attack), /AA23.*PolicyDeclaredTimeTooEarly/)

      const landed = await landInItsSecond((declaredTime) => sessionOpByHand(devnet, { grant, signer: key, callData: c.callData(), permissionIndices: [0], declaredTime }))
      assert.deepEqual({ included: landed.included, success: landed.included && landed.success }, { included: true, success: true })
    })
  }
})

describe('StreamPolicy: an op declaring a future time to spend what has not accrued yet', () => {
  it('is accepted by the policy but held by the EntryPoint to its declared time (AA22), and the same op declaring now within what accrued lands', async () => {
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 100_000n)
    const key = privateKeyToAccount(generatePrivateKey())
    const now = Number((await devnet.publicClient.getBlock()).timestamp)
    // 1 token a second since 100 s ago: about 100 accrued now, 10,100 in 10,000 s.
    const stream = streamPolicy({ token: devnet.contracts.demoToken, amountPerSecond: 1n, maxAmount: 1_000_000n, startTime: now - 100, policy: devnet.contracts.streamPolicy })
    const session = createSession({ signer: key.address, validFor: 86_400, permissions: [stream] })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const payee = privateKeyToAccount(generatePrivateKey()).address
    const transfer = (amount: bigint) => encodeExecute([{ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: demoTokenAbi, functionName: 'transfer', args: [payee, amount] }) }])

    const attack = await sessionOpByHand(devnet, { grant: grants[0]!, signer: key, callData: transfer(5_000n), permissionIndices: [0], declaredTime: now + 10_000 })
    assertRefusedInValidation(await submitAsOwnBundler(devnet, attack), /AA22 expired or not due/)
    const early = await sessionOpByHand(devnet, { grant: grants[0]!, signer: key, callData: transfer(5_000n), permissionIndices: [0], declaredTime: now })
    assertRefusedInValidation(await submitAsOwnBundler(devnet, early), /AA23.*PolicyLimitExceeded\(0, 0, 5000, 10[0-9]\)/)

    const fair = await sessionOpByHand(devnet, { grant: grants[0]!, signer: key, callData: transfer(50n), permissionIndices: [0], declaredTime: now })
    const landed = await submitAsOwnBundler(devnet, fair)
    assert.deepEqual({ included: landed.included, success: landed.included && landed.success }, { included: true, success: true })
    assert.equal(await devnet.publicClient.readContract({ address: devnet.contracts.demoToken, abi: demoTokenAbi, functionName: 'balanceOf', args: [payee] }), 50n)
  })
})
