/**
 * Issue 13, defect 4: a session without a gas policy lets its holder drain the account's ETH through fees.
 * The holder is its own bundler: it signs an op that only calls `count()`, offering a 100 gwei priority fee
 * and a huge preVerificationGas, and submits it to handleOps with itself as the beneficiary, so the account's
 * payment for gas goes to the attacker. Here the same op is tried on a session built by `createSession` with
 * its defaults (every session bounds its fees now: docs/policies.md §5.1) and, for contrast, on a session
 * that opted out (`gas: 'unbounded'`), which is the defect as it was.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { parseEther, parseGwei } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoCounterAbi } from '@latchkey/contracts'
import { createSession, encodeExecute, grantSessions, permission, type CreateSessionParameters } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefusedInValidation, sessionOpByHand, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

/** The drain: one `count()` whose gas the account pays at 100 gwei, with 8M gas of preVerificationGas. */
const DRAIN_GAS = {
  maxFeePerGas: parseGwei('100'),
  maxPriorityFeePerGas: parseGwei('100'),
  preVerificationGas: 8_000_000n,
  verificationGasLimit: 1_000_000n,
  callGasLimit: 200_000n,
}

async function drainOp(gas: Pick<CreateSessionParameters, 'gas'>) {
  const owner = await deployedOwnerAccount(devnet)
  const key = privateKeyToAccount(generatePrivateKey())
  const session = createSession({ signer: key.address, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })], ...gas })
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const now = Number((await devnet.publicClient.getBlock()).timestamp)
  const op = await sessionOpByHand(devnet, { grant: grants[0]!, signer: key, callData: encodeExecute([{ to: devnet.contracts.demoCounter, data: countData }]), permissionIndices: [0], declaredTime: now, gas: DRAIN_GAS })
  return { owner, op }
}

const balance = (address: `0x${string}`) => devnet.publicClient.getBalance({ address })

describe('defect 4: the session holder as its own bundler, paying itself the account ETH through fees', () => {
  it('is refused in validation for a session built with the defaults: its worst case is above the 0.05 ETH total', async () => {
    const { owner, op } = await drainOp({})
    const before = await balance(owner.address)
    const outcome = await submitAsOwnBundler(devnet, op)
    // GasPolicy counts the op's worst case (9.2M gas × 100 gwei = 0.92 ETH) against the session's total.
    assertRefusedInValidation(outcome, /AA23.*PolicyLimitExceeded\(0, 0, 920000000000000000, 50000000000000000\)/)
    assert.equal(await balance(owner.address), before)
  })

  it("lands and costs the account ≈0.8 ETH for a session that opted out (gas: 'unbounded'), the defect as it was", async () => {
    const { owner, op } = await drainOp({ gas: 'unbounded' })
    const before = await balance(owner.address)
    const outcome = await submitAsOwnBundler(devnet, op)
    assert.equal(outcome.included, true)
    const paid = before - (await balance(owner.address))
    assert.ok(outcome.included && outcome.actualGasCost > parseEther('0.8'), `the op cost ${outcome.included ? outcome.actualGasCost : 0n}`)
    assert.ok(paid > parseEther('0.8'), `the account paid ${paid}`)
  })
})
