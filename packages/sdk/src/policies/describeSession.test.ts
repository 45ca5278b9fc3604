import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { demoGameAbi, demoNftAbi, demoSwapRouterV2Abi, demoSwapRouterV3Abi } from '@latchkey/contracts'
import { encodeAbiParameters, parseEther, parseGwei, zeroAddress, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { createSession, permission } from '../sessions/createSession.ts'
import type { Session } from '../sessions/session.ts'
import { callPolicy } from './callPolicy.ts'
import { anyOf, eq, inRange, lte, perPeriod, sliceEq, total } from './conditions.ts'
import { describeSession } from './describeSession.ts'
import { erc20Policy } from './erc20Policy.ts'
import { gasPolicy } from './gasPolicy.ts'

const signer: Address = '0x1111111111111111111111111111111111111111'
const account: Address = '0x00000000000000000000000000000000000000aa'
const usdc: Address = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48'
const weth: Address = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2'
const routerV3: Address = '0xE592427A0AEce92De3Edee1F18E0157C05861564'
const routerV2: Address = '0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D'
const nft: Address = '0x00000000000000000000000000000000000000cc'
const game: Address = '0x00000000000000000000000000000000000000dd'
const contracts = {
  [usdc]: { name: 'USDC' },
  [weth]: { name: 'WETH' },
  [routerV3]: { name: 'Uniswap V3 router', abi: demoSwapRouterV3Abi },
  [routerV2]: { name: 'Uniswap V2 router', abi: demoSwapRouterV2Abi },
  [nft]: { name: 'Demo NFT', abi: demoNftAbi },
  [game]: { name: 'Chess', abi: demoGameAbi },
}
const validAfter = 1_800_000_000
const validUntil = 1_800_086_400

function workedSession(): Session {
  return createSession({
    signer,
    validAfter,
    validUntil,
    permissions: [
      erc20Policy({ token: usdc, recipients: [routerV3], perCall: 100_000000n, total: 1_000_000000n, perPeriod: { max: 300_000000n, period: 86_400 } }),
      callPolicy({
        address: routerV3,
        abi: demoSwapRouterV3Abi,
        functionName: 'exactInputSingle',
        args: [{ tokenIn: eq(usdc), tokenOut: anyOf(eq(weth), eq(usdc)), recipient: eq(account), amountIn: [lte(100_000000n), total(1_000_000000n)] }],
      }),
      callPolicy({ address: routerV2, abi: demoSwapRouterV2Abi, functionName: 'swapExactTokensForTokens', args: [undefined, undefined, { first: eq(usdc), last: eq(weth) }, eq(account), undefined] }),
      callPolicy({ address: nft, abi: demoNftAbi, functionName: 'safeMint', args: [eq(account)] }),
      callPolicy({ address: game, abi: demoGameAbi, functionName: 'move', args: [inRange(0, 7), inRange(0, 7)], limits: { calls: { max: 100, period: 3600 } } }),
    ],
    gas: gasPolicy({ maxFeePerGas: parseGwei('50'), total: parseEther('0.1'), perPeriod: { max: parseEther('0.01'), period: 604_800 } }),
  })
}

const lines = (text: string) => text.split('\n')
const includes = (text: string, phrase: string) => assert.ok(text.includes(phrase), `missing "${phrase}" in:\n${text}`)

describe('describeSession', () => {
  it('names the signer, the window, and each worked case with its ABI names, bounds, totals and periods', () => {
    const text = describeSession(workedSession(), { account, contracts, now: validAfter + 60 })
    includes(text, `Session key ${signer} (an ECDSA key) may sign calls for the account ${account}`)
    includes(text, 'Valid from 2027-01-15T08:00:00Z until 2027-01-16T08:00:00Z (1 day)')
    // ERC-20
    includes(text, '1. token USDC (0xA0b8…eB48): transfer / approve / increaseAllowance / transferFrom from the account, to 0xE592…1564 (Uniswap V3 router), at most 100000000 per call, 1000000000 in total, 300000000 per day')
    // (a)
    includes(text, '2. Uniswap V3 router (0xE592…1564): exactInputSingle((address tokenIn, address tokenOut, uint24 fee, address recipient, uint256 amountIn, uint256 amountOutMinimum, uint160 sqrtPriceLimitX96) params), no ETH')
    includes(text, '   - params.tokenIn must be 0xA0b8…eB48 (USDC)')
    includes(text, '   - one of: params.tokenOut must be 0xC02a…6Cc2 (WETH), or params.tokenOut must be 0xA0b8…eB48 (USDC)')
    includes(text, '   - params.recipient must be the account (0x0000…00AA)')
    includes(text, '   - params.amountIn at most 100000000 per call')
    includes(text, '   - at most 1000000000 of params.amountIn in total')
    // (b)
    includes(text, '3. Uniswap V2 router (0x7a25…488D): swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to, uint256 deadline), no ETH')
    includes(text, '   - path[0] must be 0xA0b8…eB48 (USDC)')
    includes(text, '   - path[last] must be 0xC02a…6Cc2 (WETH)')
    includes(text, '   - to must be the account (0x0000…00AA)')
    // (c), (d)
    includes(text, '4. Demo NFT (0x0000…00cc): safeMint(address to), no ETH')
    includes(text, '5. Chess (0x0000…00dd): move(uint8 x, uint8 y), no ETH')
    includes(text, '   - x between 0 and 7')
    includes(text, '   - y between 0 and 7')
    includes(text, '   - at most 100 calls per hour')
    includes(text, 'Fees: at most 50 gwei per gas; the account pays at most 0.1 ETH in total and 0.01 ETH per week; any paymaster, or none (the account pays).')
    // The only thing left unbounded: what a paymaster may charge.
    assert.deepEqual(
      lines(text).filter((line) => line.startsWith('WARNING')),
      ['WARNING: any paymaster may pay, and what a paymaster charges the account (a token paymaster, say) is not counted against the totals.'],
    )
  })

  it('warns about no expiry and no gas policy, and falls back to selectors, raw paths and full addresses without ABIs', () => {
    const session = { ...workedSession(), validAfter: 0, validUntil: 0, gasPolicy: zeroAddress, gasPolicyConfig: '0x' as const }
    const text = describeSession(session)
    includes(text, 'Valid from now, with no end.')
    includes(text, 'WARNING: no expiry: the session stays valid until it is revoked.')
    includes(text, "WARNING: No bound on fees (gas: 'unbounded'): the session key, acting as its own bundler, can spend all of the account's ETH on gas.")
    includes(text, '2. 0xE592…1564: function 0x04e45aaf (ABI not known), no ETH')
    includes(text, `   - the parameter at [word 0] must be ${usdc}`)
    includes(text, `   - the parameter at [word 2 → enter → element last (1 word)] must be ${weth}`)
    includes(text, '   - the parameter at [word 0] between 0 and 7')
    includes(text, `1. token 0xA0b8…eB48: transfer / approve / increaseAllowance / transferFrom from the account, to ${routerV3}`)
  })

  it('describes any-target permissions, plain transfers, UsageLimitPolicy, unknown modules, slices, periods and paymasters', () => {
    const bytesAbi = [
      { type: 'function', name: 'exactInput', stateMutability: 'payable', outputs: [], inputs: [{ name: 'path', type: 'bytes' }, { name: 'amount', type: 'uint256' }, { name: 'tick', type: 'int24' }] },
    ] as const
    const unknownModule: Address = '0x0000000000000000000000000000000000000bad'
    const paymaster: Address = '0x00000000000000000000000000000000000000Fa'
    const session = createSession({
      signer,
      validAfter,
      validUntil: validAfter + 90,
      permissions: [
        permission({ target: 'any', valueLimit: parseEther('0.5') }),
        callPolicy({
          address: 'any-unsafe',
          abi: bytesAbi,
          functionName: 'exactInput',
          args: [{ slice: [sliceEq(0, usdc), sliceEq(23, '0xc0ffee')] }, perPeriod(7n, 90), lte(-5)],
          valueLimit: parseEther('0.01'),
          limits: { value: { max: parseEther('1'), period: 172_800 } },
        }),
        { ...permission({ target: usdc, abi: demoNftAbi, functionName: 'safeMint' }), policy: latchkeyModules.usageLimitPolicy, policyConfig: encodeAbiParameters([{ type: 'uint256' }], [3n]) },
        { ...permission({ target: usdc }), policy: unknownModule, policyConfig: '0x' },
      ],
      gas: gasPolicy({ maxGasLimit: 1_000_000n, paymaster: { allow: [paymaster], required: true } }),
    })
    const text = describeSession(session, { account, contracts: { ...contracts, '0x0000000000000000000000000000000000000000': { name: 'nobody', abi: bytesAbi }, [paymaster]: { name: 'Sponsor' } }, now: validAfter + 200 })
    includes(text, 'It has expired.')
    includes(text, '(90 seconds)')
    includes(text, "1. any contract (except the account, the session manager, EntryPoints and the account's installed modules): plain transfers only (no calldata), up to 0.5 ETH per call")
    includes(text, '2. any contract (except')
    includes(text, 'exactInput(bytes path, uint256 amount, int24 tick), up to 0.01 ETH per call')
    includes(text, '   - path must start with 0xA0b8…eB48 (USDC)')
    includes(text, '   - bytes 23 to 25 of path must be 0xc0ffee')
    includes(text, '   - tick at most -5')
    includes(text, '   - at most 1 ETH of value per 2 days')
    includes(text, '   - at most 7 of amount per 90 seconds')
    includes(text, '   - at most 3 calls in total')
    includes(text, `   - checked by policy module ${unknownModule} (not known to this SDK)`)
    includes(text, 'Fees: no bound on the fee per gas; at most 1000000 gas per operation; always a paymaster, one of: 0x0000…00fa (Sponsor) (the account never pays).')
    assert.deepEqual(
      lines(text).filter((line) => line.startsWith('WARNING')),
      [
        'WARNING: permission 1 may send plain transfers (no calldata, up to 0.5 ETH per call) to any address but the account, the session manager, the EntryPoints and address zero: to any person, and to any contract, whose receive or fallback code then runs (modules the account says are installed excepted).',
        "WARNING: permission 1 may send up to 0.5 ETH per call with no total: repeated calls can move all of the account's ETH.",
        "WARNING: permission 2 (target 'any-unsafe') may call exactInput(bytes path, uint256 amount, int24 tick) with up to 0.01 ETH per call on any contract but the account, the session manager, the EntryPoints and address zero and the modules the account says are installed for it (a Safe's own modules included): that includes a fallback handler installed on the account for another function, a module the account cannot report (Kernel's hooks, Safe7579's hooks for other functions), and every token or contract where the account holds something.",
        `WARNING: permission 4 is checked by a policy module this SDK does not know (${unknownModule}): its rules are not shown.`,
        'WARNING: no bound on the fee per gas.',
      ],
      text,
    )

    const unbounded = describeSession({ ...session, ...gasFields(gasPolicy({ maxFeePerGas: 1n })) })
    includes(unbounded, 'Fees: at most 0.000000001 gwei per gas; any paymaster, or none (the account pays).')
    includes(unbounded, 'WARNING: No bound on the total the account pays for gas')
    includes(describeSession({ ...session, gasPolicy: unknownModule }), `Fees: checked by gas policy module ${unknownModule} (not known to this SDK).`)
  })

  it("bounds gas by default, and says so when a session opts out with gas: 'unbounded'", () => {
    const base = { signer, validAfter, validUntil: validAfter + 3600, permissions: [permission({ target: usdc, abi: demoNftAbi, functionName: 'safeMint' })] }
    const bounded = describeSession(createSession(base))
    includes(bounded, 'Fees: at most 200 gwei per gas; at most 30000000 gas per operation; the account pays at most 0.05 ETH in total; no paymaster (the account pays).')
    assert.ok(!bounded.includes('No bound on fees'), bounded)
    const unbounded = describeSession(createSession({ ...base, gas: 'unbounded' }))
    assert.deepEqual(lines(unbounded).filter((line) => line.includes('No bound on fees')), ["WARNING: No bound on fees (gas: 'unbounded'): the session key, acting as its own bundler, can spend all of the account's ETH on gas."])
  })

  it('says so when a config is malformed', () => {
    const session = workedSession()
    const broken = { ...session, permissions: [{ ...session.permissions[1]!, policyConfig: '0x01' as const }], gasPolicyConfig: '0x00' as const }
    const text = describeSession(broken)
    includes(text, 'WARNING: its CallPolicy config is malformed')
    includes(text, 'every call will be refused')
    includes(text, 'Fees: WARNING: its GasPolicy config is malformed')
  })
})

function gasFields(gas: { policy: Address; config: `0x${string}` }) {
  return { gasPolicy: gas.policy, gasPolicyConfig: gas.config }
}
