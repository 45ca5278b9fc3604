/**
 * Issue 17, the watch job kind: liquidation protection on the devnet's lending market. A position at health
 * factor 1.6 is watched every second; nothing is sent while it holds. When the price falls and the health
 * factor drops below 1.2, the runner repays once under a session that may only repay for this position,
 * and the job is done. The same session cannot repay for another borrower.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, encodeFunctionData, erc20Abi, http, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { demoLendingMarketAbi, demoTokenAbi } from '@latchkey/contracts'
import { callPolicy, checkSessionCall, createSession, eq, erc20Policy, grantSessions, lte, sendUserOperationAndWait, serializeSessionGrant } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { passUntil, runnerFor } from './fixtures/automationJobs.ts'
import { deployedOwnerAccount } from './fixtures/sessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const USD = (n: number) => BigInt(n) * 1_000_000n
const E18 = 10n ** 18n

describe('automation runner: a watcher repays before liquidation', () => {
  it('health factor 1.6: nothing sent; the price falls to 1.12: one repay of 500 LKUSD, then done', async () => {
    const { demoLendingMarket: market, demoToken: usd, demoWeth: weth } = devnet.contracts
    const owner = await deployedOwnerAccount(devnet)
    const minter = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
    const wait = async (hash: `0x${string}`) => devnet.publicClient.waitForTransactionReceipt({ hash })
    await wait(await minter.writeContract({ address: weth, abi: demoTokenAbi, functionName: 'mint', args: [owner.address, 1_000_000n] }))
    // The market lends LKUSD it is given (the devnet opens it empty).
    await wait(await minter.writeContract({ address: usd, abi: demoTokenAbi, functionName: 'mint', args: [market, USD(10_000)] }))
    await wait(await minter.writeContract({ address: market, abi: demoLendingMarketAbi, functionName: 'setPrice', args: [USD(4_000)] }))
    // The owner deposits 1 LKWETH (4,000 LKUSD at this price) and borrows 2,000 LKUSD: health factor 1.6.
    const marketCall = (functionName: 'deposit' | 'borrow', amount: bigint) => ({ to: market, data: encodeFunctionData({ abi: demoLendingMarketAbi, functionName, args: [amount] }) })
    await sendUserOperationAndWait(devnet.bundlerClient, {
      account: owner,
      calls: [{ to: weth, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [market, 1_000_000n] }) }, marketCall('deposit', 1_000_000n), marketCall('borrow', USD(2_000))],
    })
    const health = () => devnet.publicClient.readContract({ address: market, abi: demoLendingMarketAbi, functionName: 'healthFactor', args: [owner.address] })
    assert.equal(await health(), (16n * E18) / 10n)

    // A watcher's session: approve the market for LKUSD, and repay for this position only, 1,000 LKUSD in all.
    const key = generatePrivateKey()
    const session = createSession({
      signer: privateKeyToAccount(key).address,
      validFor: 3600,
      permissions: [
        erc20Policy({ token: usd, recipients: [market], total: USD(1_000) }),
        callPolicy({ address: market, abi: demoLendingMarketAbi, functionName: 'repay', args: [eq(owner.address), lte(USD(1_000))] }),
      ],
    })
    const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
    const grant = grants[0]!
    const other = privateKeyToAccount(generatePrivateKey()).address as Address
    const repayFor = (borrower: Address, amount: bigint) => ({ to: market, data: encodeFunctionData({ abi: demoLendingMarketAbi, functionName: 'repay', args: [borrower, amount] }) })
    const forOther = await checkSessionCall(devnet.publicClient, { grant, calls: [repayFor(other, 1n)] })
    assert.equal(forOther.ok, false, 'the session repays for this position only')

    const spec = {
      kind: 'watch',
      everySeconds: 1,
      watch: { to: market, data: encodeFunctionData({ abi: demoLendingMarketAbi, functionName: 'healthFactor', args: [owner.address] }), below: ((12n * E18) / 10n).toString() },
      action: { type: 'calls', calls: [{ to: usd, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [market, USD(500)] }) }, { ...repayFor(owner.address, USD(500)), value: '0' }] },
      grant: JSON.parse(serializeSessionGrant(grant)),
    }
    const automation = await runnerFor(devnet)
    try {
      const id = await automation.addJob(spec, key)
      for (let i = 0; i < 3; i++) {
        await automation.runDue()
        await new Promise((resolve) => setTimeout(resolve, 400))
      }
      assert.deepEqual((await automation.getJob(id))!.runs, [], 'nothing is sent while the position is healthy')

      await wait(await minter.writeContract({ address: market, abi: demoLendingMarketAbi, functionName: 'setPrice', args: [USD(2_800)] }))
      assert.equal(await health(), (112n * E18) / 100n)
      await passUntil(automation, async () => (await automation.getJob(id))!.job.status === 'done')
      const view = (await automation.getJob(id))!
      assert.deepEqual(view.runs.map((r) => r.state), ['landed'])
      assert.match(view.history.find((h) => h.event === 'triggered')!.detail, /1120000000000000000 is below 1200000000000000000/)
      const debt = await devnet.publicClient.readContract({ address: market, abi: demoLendingMarketAbi, functionName: 'debtOf', args: [owner.address] })
      assert.equal(debt, USD(1_500))
      assert.ok((await health()) > (12n * E18) / 10n)
    } finally {
      await automation.close()
    }
  })
})
