/**
 * ERC-7715 end to end through the real bundler: a dApp asks a Latchkey wallet provider for permissions with the
 * Smart Accounts Kit's action names (and with viem's own older `grantPermissions`), the owner reviews the
 * consent text and approves (with adjustments) or rejects, the dApp acts from the returned `context` alone,
 * the wallet reports what is left of each limit, and a revocation stops the next use. Malformed and
 * over-reaching requests are refused with their EIP-1193 code and the field at fault, and grant nothing.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createClient, custom, encodeFunctionData, erc20Abi, numberToHex, parseEther, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { erc7715Actions } from 'viem/experimental'
import { demoGameAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import {
  callPolicy,
  createLatchkeyWalletProvider,
  decodePermissionContext,
  erc7715ProviderActions,
  latchkeySessionPermissionData,
  PermissionRequestError,
  sendUserOperationAndWait,
  SessionCallRefusedError,
  SessionNotUsableError,
  toSessionAccount,
  type PermissionDecision,
  type PermissionReview,
} from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { mintUsd } from './fixtures/policySessions.ts'
import { msaDriver, nexusDriver, kernelDriver, safe7579Driver } from './fixtures/accountDrivers.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

type Owner = Awaited<ReturnType<typeof deployedOwnerAccount>>

/** A wallet over `owner` whose consent screen answers with `decide` and remembers every review. */
function walletFor(owner: Owner, decide: (review: PermissionReview) => PermissionDecision = () => ({ approved: true })) {
  const reviews: PermissionReview[] = []
  const provider = createLatchkeyWalletProvider({
    account: owner,
    bundlerClient: devnet.bundlerClient,
    client: devnet.publicClient,
    manager: devnet.contracts.sessionKeyManager,
    streamPolicy: devnet.contracts.streamPolicy,
    contracts: { [devnet.contracts.demoGame]: { name: 'DemoGame', abi: demoGameAbi }, [devnet.contracts.demoToken]: { name: 'LKUSD' } },
    review: async (review) => {
      reviews.push(review)
      return decide(review)
    },
  })
  const dapp = createClient({ chain: devnet.chain, transport: custom(provider) }).extend(erc7715ProviderActions())
  return { provider, dapp, reviews }
}

const now = async () => Number((await devnet.publicClient.getBlock()).timestamp)
const move = (x: number, y: number) => ({ to: devnet.contracts.demoGame, data: encodeFunctionData({ abi: demoGameAbi, functionName: 'move', args: [x, y] }) })
const transfer = (to: Address, amount: bigint) => ({ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }) })
const moves = (player: Address) => devnet.publicClient.readContract({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'movesOf', args: [player] })
const root = (account: Address) => devnet.publicClient.readContract({ address: devnet.contracts.sessionKeyManager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] })

describe('ERC-7715: a game asks once, then plays without confirmations', () => {
  it('requests a latchkey-session, shows the consent text, plays 5 moves from the context, reports what is left, and is refused after a revoke', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { dapp, reviews } = walletFor(owner)
    const key = privateKeyToAccount(generatePrivateKey())
    const [granted] = await dapp.requestExecutionPermissions([
      {
        chainId: devnet.chain.id,
        to: key.address,
        expiry: (await now()) + 3600,
        permission: {
          type: 'latchkey-session',
          isAdjustmentAllowed: false,
          data: latchkeySessionPermissionData([callPolicy({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'move', limits: { calls: { max: 20 } }, policy: devnet.contracts.sessionKeyManager })], 'Play moves without a pop-up each time'),
        },
      },
    ])
    assert.equal(reviews.length, 1)
    assert.match(reviews[0]!.description, /DemoGame .*move\(uint8 x, uint8 y\)/)
    assert.match(reviews[0]!.description, /at most 20 calls/)
    assert.equal(reviews[0]!.request.justification, 'Play moves without a pop-up each time')
    assert.equal(granted!.from, owner.address)
    assert.deepEqual(granted!.dependencies, [])
    assert.equal(granted!.delegationManager, devnet.contracts.sessionKeyManager)
    assert.equal(decodePermissionContext(granted!.context).grant.type, 'root') // the manager was not installed: one owner userOp

    const player = await toSessionAccount({ client: devnet.publicClient, permissionContext: granted!.context, signer: key })
    for (let i = 0; i < 5; i++) await sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(i, i)] })
    assert.equal(await moves(owner.address), 5n)

    const [listed] = await dapp.getGrantedExecutionPermissions()
    assert.equal(listed!.context, granted!.context)
    assert.equal(listed!.latchkey.status, 'active')
    const calls = listed!.latchkey.allowances.find((a) => a.kind === 'calls')!
    assert.deepEqual([calls.max, calls.used, calls.remaining], [20n, 5n, 15n])
    assert.ok(listed!.latchkey.allowances.some((a) => a.kind === 'gas' && a.used > 0n), 'the gas total counts what the moves paid')

    await dapp.revokeExecutionPermission({ permissionContext: granted!.context })
    assert.deepEqual(await dapp.getGrantedExecutionPermissions(), [])
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(7, 7)] }), (error: unknown) => {
      assert.ok(error instanceof SessionNotUsableError, String(error))
      assert.equal(error.rule, 'revoked')
      assert.match(error.shortMessage, /revoked/)
      return true
    })
    assert.equal(await moves(owner.address), 5n)
  })
})

describe('ERC-7715 permission types', () => {
  it('erc20-token-periodic: the owner lowers the amount; transfers count per period; the wallet shows what is left and when the period ends', async () => {
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 1_000n)
    const { dapp, reviews } = walletFor(owner, (review) => (review.request.data.type === 'erc20-token-periodic' ? { approved: true, adjustments: { amounts: { periodAmount: 60n } } } : { approved: true }))
    const key = privateKeyToAccount(generatePrivateKey())
    const payee = privateKeyToAccount(generatePrivateKey()).address
    const [granted] = await dapp.requestExecutionPermissions([
      {
        chainId: devnet.chain.id,
        to: key.address,
        expiry: (await now()) + 7200,
        permission: { type: 'erc20-token-periodic', isAdjustmentAllowed: true, data: { tokenAddress: devnet.contracts.demoToken, periodAmount: 100n, periodDuration: 3600, justification: 'A subscription' } },
      },
    ])
    assert.match(reviews[0]!.description, /LKUSD .*: transfer\(address recipient, uint256 amount\), no ETH\n.*\n.*at most 100 of amount per hour/)
    assert.equal(granted!.permission.data.periodAmount, numberToHex(60n), 'the response carries the adjusted amount')
    const payer = await toSessionAccount({ client: devnet.publicClient, permissionContext: granted!.context, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [transfer(payee, 50n)] })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [transfer(payee, 20n)] }), (error: unknown) => {
      assert.ok(error instanceof SessionCallRefusedError, String(error))
      assert.equal(error.rule, 'policy')
      assert.match(error.reason, /PolicyLimitExceeded/)
      return true
    })
    // approve is not a transfer: MetaMask's periodic enforcer refuses it too
    await assert.rejects(
      sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [{ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [payee, 1n] }) }] }),
      (error: unknown) => error instanceof SessionCallRefusedError && error.rule === 'selector',
    )
    const [listed] = await dapp.getGrantedExecutionPermissions()
    const amount = listed!.latchkey.allowances.find((a) => a.kind === 'amount')!
    const time = await now()
    assert.deepEqual([amount.token, amount.max, amount.used, amount.remaining, amount.period], [devnet.contracts.demoToken, 60n, 50n, 10n, 3600])
    assert.equal(amount.periodEndsAt, (Math.floor(time / 3600) + 1) * 3600 - 1)
    assert.equal(decodePermissionContext(granted!.context).grant.type, 'root')

    // A second request on the same account: the manager is installed, so the owner approves off chain (no transaction).
    const [second] = await dapp.requestExecutionPermissions([
      { chainId: devnet.chain.id, to: key.address, permission: { type: 'erc20-token-allowance', data: { tokenAddress: devnet.contracts.demoToken, allowanceAmount: 30n } } },
    ])
    assert.equal(decodePermissionContext(second!.context).grant.type, 'approval')
    assert.equal(reviews[1]!.defaultExpiry, true)
    const spender = await toSessionAccount({ client: devnet.publicClient, permissionContext: second!.context, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: spender, calls: [transfer(payee, 30n)] })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: spender, calls: [transfer(payee, 1n)] }), SessionCallRefusedError)
    const states = (await dapp.getGrantedExecutionPermissions()).map((g) => g.latchkey.status)
    assert.deepEqual(states, ['active', 'exhausted'])
  })

  it('native-token-allowance: plain transfers to anyone up to the total', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { dapp, reviews } = walletFor(owner)
    const key = privateKeyToAccount(generatePrivateKey())
    const [granted] = await dapp.requestExecutionPermissions([
      { chainId: devnet.chain.id, to: key.address, expiry: (await now()) + 3600, permission: { type: 'native-token-allowance', data: { allowanceAmount: parseEther('0.01') } } },
    ])
    assert.ok(reviews[0]!.warnings.some((w) => /plain transfers/.test(w)), 'an any-recipient transfer is a WARNING line')
    const payer = await toSessionAccount({ client: devnet.publicClient, permissionContext: granted!.context, signer: key })
    const to = privateKeyToAccount(generatePrivateKey()).address
    await sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [{ to, value: parseEther('0.006') }] })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [{ to, value: parseEther('0.006') }] }), SessionCallRefusedError)
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [{ to: devnet.contracts.demoGame, data: move(1, 1).data }] }), SessionCallRefusedError)
    assert.equal(await devnet.publicClient.getBalance({ address: to }), parseEther('0.006'))
  })

  it('erc20-token-stream: the first use moves what accrued by its declared time; more is refused until it accrues', async () => {
    const owner = await deployedOwnerAccount(devnet)
    await mintUsd(devnet, owner.address, 10_000n)
    const { dapp, reviews } = walletFor(owner)
    const key = privateKeyToAccount(generatePrivateKey())
    // started a minute ago: a session is not used within 10 s of its start (the SDK's clock margin)
    const start = (await now()) - 60
    const [granted] = await dapp.requestExecutionPermissions([
      {
        chainId: devnet.chain.id,
        to: key.address,
        expiry: start + 3660,
        permission: { type: 'erc20-token-stream', data: { tokenAddress: devnet.contracts.demoToken, initialAmount: 100n, amountPerSecond: 1n, maxAmount: 500n, startTime: start } },
      },
    ])
    assert.match(reviews[0]!.description, /100 of LKUSD .* at once, then 1 of LKUSD .*more every second/)
    const payer = await toSessionAccount({ client: devnet.publicClient, permissionContext: granted!.context, signer: key })
    const payee = privateKeyToAccount(generatePrivateKey()).address
    await sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [transfer(payee, 100n)] })
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: payer, calls: [transfer(payee, 400n)] }), (error: unknown) => {
      assert.ok(error instanceof SessionCallRefusedError, String(error))
      assert.match(error.reason, /PolicyLimitExceeded/)
      return true
    })
    const [listed] = await dapp.getGrantedExecutionPermissions()
    const stream = listed!.latchkey.allowances.find((a) => a.kind === 'stream')!
    assert.equal(stream.used, 100n)
    assert.ok(stream.max >= 100n && stream.max < 400n, `accrued ${stream.max}`)
    assert.deepEqual(stream.stream, { maxAmount: 500n, amountPerSecond: 1n })
  })
})

describe("viem's wallet_grantPermissions", () => {
  it('grants a contract-call with a rate limit as one session; the dApp plays from permissionsContext', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { provider, reviews } = walletFor(owner)
    const key = privateKeyToAccount(generatePrivateKey())
    const client = createClient({ chain: devnet.chain, transport: custom(provider) }).extend(erc7715Actions())
    const result = await client.grantPermissions({
      expiry: (await now()) + 3600,
      signer: { type: 'account', data: { id: key.address } },
      permissions: [
        { type: 'contract-call', data: { address: devnet.contracts.demoGame, calls: ['move(uint8,uint8)'] }, policies: [{ type: 'rate-limit', data: { count: 2, interval: 3600 } }], required: true },
        { type: { custom: 'erc721-token-transfer' }, data: {}, policies: [], required: false },
      ],
    })
    assert.equal(result.grantedPermissions.length, 1, 'the optional permission it cannot bound is left out')
    assert.match(reviews[0]!.description, /at most 2 calls per hour/)
    const player = await toSessionAccount({ client: devnet.publicClient, permissionContext: result.permissionsContext as Hex, signer: key })
    await sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(2, 3)] })
    assert.equal(await moves(owner.address), 1n)
  })
})

describe('ERC-7715 refusals: a clear code and field, nothing granted', () => {
  const code = (expected: number, field?: RegExp) => (error: unknown) => {
    const refusal = (error as { walk?: (f: (e: unknown) => boolean) => unknown }).walk?.((e) => e instanceof PermissionRequestError) ?? error
    assert.ok(refusal instanceof PermissionRequestError, String(error))
    assert.equal(refusal.code, expected, refusal.message)
    if (field) assert.match(refusal.field ?? '', field)
    return true
  }

  it('refuses malformed and over-reaching requests, and the owner’s rejection, before granting anything', async () => {
    const owner = await deployedOwnerAccount(devnet)
    let answer: PermissionDecision = { approved: false }
    const { provider } = walletFor(owner, () => answer)
    const key = privateKeyToAccount(generatePrivateKey()).address
    const expiry = (await now()) + 3600
    const base = { chainId: numberToHex(devnet.chain.id), to: key, rules: [{ type: 'expiry', data: { timestamp: expiry } }] }
    const allowance = { type: 'native-token-allowance', isAdjustmentAllowed: false, data: { allowanceAmount: '0x64' } }
    const ask = (request: unknown) => provider.request({ method: 'wallet_requestExecutionPermissions', params: [request] })
    await assert.rejects(ask({ ...base, permission: allowance }), code(4001))
    answer = { approved: true }
    await assert.rejects(ask({ ...base, permission: { ...allowance, type: 'erc721-token-allowance' } }), code(-32602, /permission\.type$/))
    await assert.rejects(ask({ ...base, permission: allowance, rules: [{ type: 'redeemer', data: { addresses: [key] } }] }), code(-32602, /rules\[0\]\.type/))
    await assert.rejects(ask({ ...base, chainId: '0x1', permission: allowance }), code(-32602, /chainId/))
    await assert.rejects(ask({ ...base, from: key, permission: allowance }), code(-32602, /from/))
    await assert.rejects(ask({ ...base, permission: { ...allowance, data: { allowanceAmount: '100' } } }), code(-32602, /allowanceAmount/))
    await assert.rejects(ask({ ...base, permission: { ...allowance, data: { allowanceAmount: '0x64', recipient: key } } }), code(-32602, /data\.recipient/))
    await assert.rejects(ask({ ...base, rules: [{ type: 'expiry', data: { timestamp: 1 } }], permission: allowance }), code(-32602, /rules/))
    await assert.rejects(
      ask({ ...base, permission: { type: 'erc20-token-stream', data: { tokenAddress: devnet.contracts.demoToken, amountPerSecond: '0x1', initialAmount: '0x9', maxAmount: '0x5' } } }),
      code(-32602, /maxAmount/),
    )
    await assert.rejects(provider.request({ method: 'eth_sendTransaction', params: [] }), code(4200))
    // the owner may only ever lower: a higher amount, or an amount change the dApp did not allow, is refused
    answer = { approved: true, adjustments: { amounts: { allowanceAmount: 50n } } }
    await assert.rejects(ask({ ...base, permission: allowance }), /adjustments/)
    answer = { approved: true, adjustments: { amounts: { allowanceAmount: 500n } } }
    await assert.rejects(ask({ ...base, permission: { ...allowance, isAdjustmentAllowed: true } }), /adjustments\.amounts\.allowanceAmount/)
    answer = { approved: true, adjustments: { expiry: expiry + 10 } }
    await assert.rejects(ask({ ...base, permission: allowance }), /adjustments\.expiry/)
    // a session that reaches the account itself is refused before the owner is asked
    let asked = 0
    answer = { approved: true }
    const counting = walletFor(owner, () => (asked++, answer))
    await assert.rejects(
      counting.provider.request({
        method: 'wallet_requestExecutionPermissions',
        params: [{ ...base, permission: { type: 'latchkey-session', data: latchkeySessionPermissionData([{ target: owner.address, selector: '0xb61d27f6', valueLimit: 0n, policy: '0x0000000000000000000000000000000000000000', policyConfig: '0x' }]) } }],
      }),
      code(-32602, /permission\.data/),
    )
    await assert.rejects(
      counting.provider.request({
        method: 'wallet_requestExecutionPermissions',
        params: [{ ...base, permission: { type: 'latchkey-session', data: latchkeySessionPermissionData([{ target: devnet.contracts.sessionKeyManager, selector: '0x00000000', valueLimit: 0n, policy: '0x0000000000000000000000000000000000000000', policyConfig: '0x' }]) } }],
      }),
      code(-32602, /permission\.data/),
    )
    // the dApp cannot choose the fees' bounds: the wallet's own gas policy goes on every session
    await assert.rejects(
      counting.provider.request({
        method: 'wallet_requestExecutionPermissions',
        params: [{ ...base, permission: { type: 'latchkey-session', data: { ...latchkeySessionPermissionData([callPolicy({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'move', policy: devnet.contracts.sessionKeyManager })]), gasPolicy: '0x0000000000000000000000000000000000000000' } } }],
      }),
      code(-32602, /data\.gasPolicy/),
    )
    assert.equal(asked, 0)
    // a revocation of something this wallet did not grant
    await assert.rejects(provider.request({ method: 'wallet_revokeExecutionPermission', params: [{ permissionContext: '0x1234' }] }), code(-32602, /permissionContext/))
    // nothing of the above was granted: the manager is not even installed
    assert.equal(await root(owner.address), '0x0000000000000000000000000000000000000000000000000000000000000000')
    assert.deepEqual(await provider.request({ method: 'wallet_getGrantedExecutionPermissions' }), [])
  })

  it('answers getSupportedExecutionPermissions with every type, its chain and the expiry rule', async () => {
    const owner = await deployedOwnerAccount(devnet)
    const { dapp } = walletFor(owner)
    const supported = await dapp.getSupportedExecutionPermissions()
    assert.deepEqual(Object.keys(supported).sort(), [
      'erc20-token-allowance',
      'erc20-token-periodic',
      'erc20-token-stream',
      'latchkey-session',
      'native-token-allowance',
      'native-token-periodic',
      'native-token-stream',
    ])
    for (const entry of Object.values(supported)) assert.deepEqual(entry, { chainIds: [numberToHex(devnet.chain.id)], ruleTypes: ['expiry'] })
  })
})

describe('ERC-7715 on the accounts people already own', () => {
  for (const driver of [nexusDriver(), msaDriver(), safe7579Driver(), kernelDriver()]) {
    it(`${driver.name}: the first grant installs the manager (root), the next is an owner approval (ERC-1271); both play from their context`, async () => {
      await driver.deploy(devnet)
      const owner = await driver.newAccount()
      await sendUserOperationAndWait(devnet.bundlerClient, { account: owner, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
      const provider = createLatchkeyWalletProvider({
        account: owner,
        bundlerClient: devnet.bundlerClient,
        client: devnet.publicClient,
        manager: devnet.contracts.sessionKeyManager,
        signApproval: (typedData) => driver.signApproval(owner, typedData),
        review: async () => ({ approved: true }),
      })
      const dapp = createClient({ chain: devnet.chain, transport: custom(provider) }).extend(erc7715ProviderActions())
      const expiry = (await now()) + 3600
      for (const [round, mode] of [[0, 'root'], [1, 'approval']] as const) {
        const key = privateKeyToAccount(generatePrivateKey())
        const [granted] = await dapp.requestExecutionPermissions([
          {
            chainId: devnet.chain.id,
            to: key.address,
            expiry,
            permission: { type: 'latchkey-session', data: latchkeySessionPermissionData([callPolicy({ address: devnet.contracts.demoGame, abi: demoGameAbi, functionName: 'move', limits: { calls: { max: 1 } }, policy: devnet.contracts.sessionKeyManager })]) },
          },
        ])
        assert.equal(decodePermissionContext(granted!.context).grant.type, mode)
        const player = await toSessionAccount({ client: devnet.publicClient, permissionContext: granted!.context, signer: key })
        await sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(round, round)] })
        await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account: player, calls: [move(round, round)] }), SessionCallRefusedError)
      }
      assert.equal(await moves(owner.address), 2n)
    })
  }
})
