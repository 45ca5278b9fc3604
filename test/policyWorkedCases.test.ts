/**
 * The four worked cases of the policies issue, end to end through the real bundler: a Uniswap-V3-style
 * swap with per-call and total bounds, a Uniswap-V2-style swap with path rules, an NFT mint to the account,
 * and a game move on an 8×8 board at most N times per period (a real short period through Alto).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, type Address } from 'viem'
import { callPolicyAbi, demoGameAbi, demoNftAbi, demoSwapRouterV2Abi, demoSwapRouterV3Abi } from '@latchkey/contracts'
import { callPolicy, checkSessionCall, eq, erc20Policy, inRange, lte, total, SessionCallRefusedError, SessionNotUsableError, toSessionAccount, type Call } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { balanceOf, expectRefusedOnChain, grantedPolicySession, mintUsd, sendSession } from './fixtures/policySessions.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const refusedOffChain = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof SessionCallRefusedError, String(error))
  assert.equal(error.rule, 'policy')
  assert.match(error.reason, pattern, error.reason)
  return true
}

const swapV3 = (router: Address, params: { tokenIn: Address; tokenOut: Address; recipient: Address; amountIn: bigint }): Call => ({
  to: router,
  data: encodeFunctionData({
    abi: demoSwapRouterV3Abi,
    functionName: 'exactInputSingle',
    args: [{ ...params, fee: 3000, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n }],
  }),
})

describe('(a) exactInputSingle: USDC → WETH to the account, ≤ 100 USDC per call, ≤ N in total', () => {
  function permissions(account: Address, totalIn: bigint) {
    return [
      erc20Policy({ token: devnet.contracts.demoToken, recipients: [devnet.contracts.demoSwapRouterV3], total: totalIn }),
      callPolicy({
        address: devnet.contracts.demoSwapRouterV3,
        abi: demoSwapRouterV3Abi,
        functionName: 'exactInputSingle',
        args: [
          {
            tokenIn: eq(devnet.contracts.demoToken),
            tokenOut: eq(devnet.contracts.demoWeth),
            recipient: eq(account),
            amountIn: [lte(100_000000n), total(totalIn)],
          },
        ],
      }),
    ]
  }

  it('swaps within bounds, and refuses more than 100 per call, another token, another recipient, and the total', async () => {
    const { deployedOwnerAccount } = await import('./fixtures/sessions.ts')
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000_000000n)
    const { checked, unchecked } = await grantedPolicySession(devnet, permissions(owner.address, 250_000000n), { owner })
    const router = devnet.contracts.demoSwapRouterV3
    const usd = devnet.contracts.demoToken
    const weth = devnet.contracts.demoWeth
    const approve = (amount: bigint): Call => ({
      to: usd,
      data: encodeFunctionData({ abi: [{ type: 'function', name: 'approve', inputs: [{ type: 'address' }, { type: 'uint256' }], outputs: [{ type: 'bool' }], stateMutability: 'nonpayable' }], functionName: 'approve', args: [router, amount] }),
    })
    // The approval and the swap in one userOp; the approval counts against the ERC-20 total too.
    await sendSession(devnet, checked, [approve(250_000000n), swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: owner.address, amountIn: 100_000000n })])
    assert.equal(await balanceOf(devnet, weth, owner.address), 25_000n) // 100e6 at 1 : 4,000

    const over = swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: owner.address, amountIn: 100_000001n })
    // Groups in argument order: tokenIn 0, tokenOut 1, recipient 2, amountIn 3.
    await assert.rejects(sendSession(devnet, checked, [over]), refusedOffChain(/group 3|amountIn/))
    await expectRefusedOnChain(devnet, unchecked, [over], /CallPolicyRuleFailed\(3\)/)

    const wrongToken = swapV3(router, { tokenIn: weth, tokenOut: usd, recipient: owner.address, amountIn: 1n })
    await expectRefusedOnChain(devnet, unchecked, [wrongToken], /CallPolicyRuleFailed\(0\)/)
    const elsewhere = swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: router, amountIn: 1n })
    await expectRefusedOnChain(devnet, unchecked, [elsewhere], /CallPolicyRuleFailed\(2\)/)

    // Total 250: 100 used; 100 more is fine; then 100 would make 300 — refused; 50 is exactly 250 — fine.
    await sendSession(devnet, unchecked, [swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: owner.address, amountIn: 100_000000n })])
    const third = swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: owner.address, amountIn: 100_000000n })
    await assert.rejects(sendSession(devnet, checked, [third]), refusedOffChain(/total|limit/))
    await expectRefusedOnChain(devnet, unchecked, [third], /PolicyLimitExceeded\(0, 200000000, 100000000, 250000000\)/)
    await sendSession(devnet, checked, [swapV3(router, { tokenIn: usd, tokenOut: weth, recipient: owner.address, amountIn: 50_000000n })])
    assert.equal(await balanceOf(devnet, weth, owner.address), 62_500n)
  })
})

describe('(b) swapExactTokensForTokens: path[0] = USDC, path[last] = WETH, to = the account', () => {
  it('swaps on the allowed path and refuses another first or last token or recipient', async () => {
    const { deployedOwnerAccount } = await import('./fixtures/sessions.ts')
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000_000000n)
    const router = devnet.contracts.demoSwapRouterV2
    const usd = devnet.contracts.demoToken
    const weth = devnet.contracts.demoWeth
    const { checked, unchecked } = await grantedPolicySession(
      devnet,
      [
        erc20Policy({ token: usd, recipients: [router], perCall: 1_000_000000n }),
        callPolicy({
          address: router,
          abi: demoSwapRouterV2Abi,
          functionName: 'swapExactTokensForTokens',
          args: [undefined, undefined, { first: eq(usd), last: eq(weth) }, eq(owner.address), undefined],
        }),
      ],
      { owner },
    )
    const swap = (path: Address[], to: Address): Call => ({
      to: router,
      data: encodeFunctionData({ abi: demoSwapRouterV2Abi, functionName: 'swapExactTokensForTokens', args: [4_000n, 0n, path, to, 2n ** 40n] }),
    })
    const approve: Call = { to: usd, data: encodeFunctionData({ abi: [{ type: 'function', name: 'approve', inputs: [{ type: 'address' }, { type: 'uint256' }], outputs: [{ type: 'bool' }], stateMutability: 'nonpayable' }], functionName: 'approve', args: [router, 4_000n] }) }
    await sendSession(devnet, checked, [approve, swap([usd, weth], owner.address)])
    assert.equal(await balanceOf(devnet, weth, owner.address), 1n)

    await assert.rejects(sendSession(devnet, checked, [swap([weth, usd], owner.address)]), refusedOffChain(/group 0|path/))
    await expectRefusedOnChain(devnet, unchecked, [swap([weth, usd], owner.address)], /CallPolicyRuleFailed\(0\)/)
    await expectRefusedOnChain(devnet, unchecked, [swap([usd, usd], owner.address)], /CallPolicyRuleFailed\(1\)/)
    await expectRefusedOnChain(devnet, unchecked, [swap([usd, weth], router)], /CallPolicyRuleFailed\(2\)/)
    // An empty path has no first element: unreadable, refused (and the SDK says so before sending).
    await expectRefusedOnChain(devnet, unchecked, [swap([], owner.address)], /CallPolicyParamUnreadable\(0, 0\)/)
  })
})

describe('(c) safeMint(to) with to = the account', () => {
  it('mints to the account and refuses a mint to anyone else', async () => {
    const { deployedOwnerAccount } = await import('./fixtures/sessions.ts')
    const owner = await deployedOwnerAccount(devnet)
    const nft = devnet.contracts.demoNft
    const { checked, unchecked, grant } = await grantedPolicySession(devnet, [callPolicy({ address: nft, abi: demoNftAbi, functionName: 'safeMint', args: [eq(owner.address)] })], { owner })
    const mint = (to: Address): Call => ({ to: nft, data: encodeFunctionData({ abi: demoNftAbi, functionName: 'safeMint', args: [to] }) })
    await sendSession(devnet, checked, [mint(owner.address)])
    assert.equal(await devnet.publicClient.readContract({ address: nft, abi: demoNftAbi, functionName: 'balanceOf', args: [owner.address] }), 1n)
    await assert.rejects(sendSession(devnet, checked, [mint(nft)]), refusedOffChain(/to|group 0/))
    // The same verdicts from checkSessionCall, without signing anything.
    assert.deepEqual(await checkSessionCall(devnet.publicClient, { grant, calls: [mint(owner.address)] }), { ok: true, sessionIndices: [0], permissionIndices: [0] })
    const refused = await checkSessionCall(devnet.publicClient, { grant, calls: [mint(owner.address), mint(nft)] })
    assert.ok(!refused.ok && refused.callIndex === 1 && refused.rule === 'policy', JSON.stringify(refused))
    assert.match(refused.reason, new RegExp(`the argument is ${nft.toLowerCase()}, not equal to ${owner.address.toLowerCase()}`))
    await expectRefusedOnChain(devnet, unchecked, [mint(nft)], /CallPolicyRuleFailed\(0\)/)
  })

  it('gives the same verdicts with the pluggable CallPolicy module as with the rules built into the manager, and keeps counters where they run', async () => {
    const { deployedOwnerAccount } = await import('./fixtures/sessions.ts')
    const nft = devnet.contracts.demoNft
    const rules = (owner: Address, policy: Address) =>
      callPolicy({ address: nft, abi: demoNftAbi, functionName: 'safeMint', args: [eq(owner)], limits: { calls: { max: 1n } }, policy })
    for (const policy of [devnet.contracts.callPolicy, devnet.contracts.sessionKeyManager]) {
      const owner = await deployedOwnerAccount(devnet)
      const { checked, unchecked, grant } = await grantedPolicySession(devnet, [rules(owner.address, policy)], { owner })
      const call: Call = { to: nft, data: encodeFunctionData({ abi: demoNftAbi, functionName: 'safeMint', args: [owner.address] }) }
      await sendSession(devnet, checked, [call])
      // The call count of 1 is spent: the second is refused off chain and on chain, by whichever evaluates.
      await assert.rejects(sendSession(devnet, checked, [call]), refusedOffChain(/limit 0|at most 1/))
      await expectRefusedOnChain(devnet, unchecked, [call], /PolicyLimitExceeded\(0, 1, 1, 1\)/)
      const counterAt = grant.session.permissions[0]!.policy
      const [, used] = await devnet.publicClient.readContract({ address: counterAt, abi: callPolicyAbi, functionName: 'usage', args: [devnet.contracts.sessionKeyManager, owner.address, grant.digest, 0n, 0n] })
      assert.equal(used, 1n)
      assert.equal(await devnet.publicClient.readContract({ address: nft, abi: demoNftAbi, functionName: 'balanceOf', args: [owner.address] }), 1n)
    }
  })
})

describe('(d) move(x, y) with x, y in 0..7, at most N moves per period', () => {
  it('moves on the board, refuses off-board moves, and refills the move count in the next period (real 20 s period through Alto)', async () => {
    const { deployedOwnerAccount } = await import('./fixtures/sessions.ts')
    const owner = await deployedOwnerAccount(devnet)
    const game = devnet.contracts.demoGame
    const period = 20
    const { checked, unchecked, grant, key } = await grantedPolicySession(
      devnet,
      [callPolicy({ address: game, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)], limits: { calls: { max: 2n, period } } })],
      { owner },
    )
    const move = (x: number, y: number): Call => ({ to: game, data: encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [x, y] }) })
    const moves = () => devnet.publicClient.readContract({ address: game, abi: demoGameAbi, functionName: 'movesOf', args: [owner.address] })

    await assert.rejects(sendSession(devnet, checked, [move(8, 0)]), refusedOffChain(/group 0|x/))
    // A fixed declared time outside the current period is refused before anything is signed.
    const stale = await toSessionAccount({ client: devnet.publicClient, grant, signer: key, declaredTime: 1_000_000 })
    await assert.rejects(sendSession(devnet, stale, [move(1, 1)]), (error: unknown) => error instanceof SessionNotUsableError && /fixed declared time/.test(error.reason))
    await expectRefusedOnChain(devnet, unchecked, [move(0, 8)], /CallPolicyRuleFailed\(1\)/)

    // Start at the beginning of a period, so that three ops fit in it: two moves, then the third is refused.
    const sleepUntil = (time: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time * 1000 - Date.now())))
    await sleepUntil((Math.floor(Date.now() / 1000 / period) + 1) * period + 1)
    const first = await sendSession(devnet, checked, [move(0, 0)])
    // The signature ends with declaredTime (6 bytes) and the 65-byte ECDSA signature.
    const declared = Number(BigInt(`0x${first.userOperation.signature.slice(-142, -130)}`))
    await sendSession(devnet, checked, [move(7, 7)])
    await assert.rejects(sendSession(devnet, checked, [move(3, 3)]), refusedOffChain(/calls|limit/))
    await expectRefusedOnChain(devnet, unchecked, [move(3, 3)], /PolicyLimitExceeded\(0, 2, 1, 2\)/)
    assert.equal(await moves(), 2n)
    assert.ok(Math.floor(Date.now() / 1000 / period) === Math.floor(declared / period), 'the test ran longer than one period')
    // The next period refills the count.
    await sleepUntil((Math.floor(declared / period) + 1) * period + 1)
    await sendSession(devnet, checked, [move(3, 4)])
    assert.equal(await moves(), 3n)
  })
})
