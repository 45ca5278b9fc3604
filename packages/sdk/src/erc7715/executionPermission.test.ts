import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import { decodeStreamPolicyConfig } from '../policies/streamPolicy.ts'
import { PermissionRequestError } from '../errors/erc7715.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ANY_TARGET, EMPTY_CALLDATA } from '../sessions/session.ts'
import { formatPermissionRequest, parsePermissionRequest, type ParsedPermissionRequest } from './executionPermission.ts'
import { grantPermissionsRequests } from './grantPermissionsShape.ts'
import { adjustPermissionRequest } from './permissionAdjustments.ts'
import { sessionForPermission, sessionPermissionsFor } from './permissionSession.ts'

const token = '0x1111111111111111111111111111111111111111' as const
const key = '0x2222222222222222222222222222222222222222' as const
const manager = '0x3333333333333333333333333333333333333333' as const
const account = '0x4444444444444444444444444444444444444444' as const
const request = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  chainId: '0x7a69',
  to: key,
  permission: { type, isAdjustmentAllowed: true, data },
  rules: [{ type: 'expiry', data: { timestamp: 2_000_000_000 } }],
  ...extra,
})
const refusal = (field: RegExp) => (error: unknown) => {
  assert.ok(error instanceof PermissionRequestError, String(error))
  assert.equal(error.code, -32602)
  assert.match(error.field ?? '', field)
  return true
}

describe('parsePermissionRequest', () => {
  it('reads every type into typed values, and writes back the same wire form', () => {
    const requests = [
      request('native-token-allowance', { allowanceAmount: '0x64' }),
      request('erc20-token-allowance', { tokenAddress: token, allowance: '0x64', startTime: 1_900_000_000 }),
      request('native-token-periodic', { periodAmount: '0xa', periodDuration: 3600 }),
      request('erc20-token-periodic', { tokenAddress: token, periodAmount: '0xa', periodDuration: 86_400, justification: 'Plan' }),
      request('native-token-stream', { amountPerSecond: '0x1' }),
      request('erc20-token-stream', { tokenAddress: token, amountPerSecond: '0x2', initialAmount: '0x5', maxAmount: '0x50' }),
      request('latchkey-session', { permissions: [{ target: token, selector: '0xa9059cbb', valueLimit: '0x0', policy: '0x0000000000000000000000000000000000000000', policyConfig: '0x' }] }),
    ]
    for (const raw of requests) {
      const parsed = parsePermissionRequest(raw)
      assert.equal(parsed.chainId, 31_337)
      assert.equal(parsed.expiry, 2_000_000_000)
      assert.deepEqual(parsePermissionRequest(formatPermissionRequest(parsed)), parsed, raw.permission.type)
    }
    const stream = parsePermissionRequest(requests[4]!).data
    assert.deepEqual(stream, { type: 'native-token-stream', initialAmount: 0n, maxAmount: (1n << 256n) - 1n, amountPerSecond: 1n })
    assert.equal((parsePermissionRequest(requests[1]!).data as { allowanceAmount: bigint }).allowanceAmount, 100n, "the ERC's `allowance` is read as allowanceAmount")
  })

  it('refuses what it cannot enforce, naming the field', () => {
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x64', allowance: '0x1' })), refusal(/allowance$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x0' })), refusal(/allowanceAmount$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: `0x1${'0'.repeat(64)}` })), refusal(/allowanceAmount$/))
    assert.throws(() => parsePermissionRequest(request('native-token-periodic', { periodAmount: '0x1', periodDuration: 0 })), refusal(/periodDuration$/))
    assert.throws(() => parsePermissionRequest(request('native-token-periodic', { periodAmount: '0x1', periodDuration: 11 * 365 * 86_400 })), refusal(/periodDuration$/))
    assert.throws(() => parsePermissionRequest(request('erc20-token-periodic', { periodAmount: '0x1', periodDuration: 60 })), refusal(/tokenAddress$/))
    assert.throws(() => parsePermissionRequest(request('native-token-stream', { amountPerSecond: '0x0' })), refusal(/amountPerSecond$/))
    assert.throws(() => parsePermissionRequest(request('token-approval-revocation', { erc20Approve: true })), refusal(/permission\.type$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x1', justification: 'x'.repeat(301) })), refusal(/justification$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x1' }, { to: 'me' })), refusal(/\.to$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x1' }, { signer: key })), refusal(/\.signer$/))
    assert.throws(() => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x1' }, { rules: [{ type: 'payee', data: {} }] })), refusal(/rules\[0\]\.type$/))
    assert.throws(
      () => parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x1' }, { rules: [{ type: 'expiry', data: { timestamp: 5 } }, { type: 'expiry', data: { timestamp: 6 } }] })),
      refusal(/rules\[1\]$/),
    )
    assert.throws(() => parsePermissionRequest(request('latchkey-session', { permissions: [] })), refusal(/permissions$/))
    assert.throws(
      () => parsePermissionRequest(request('latchkey-session', { permissions: [{ target: token, selector: '0xa9059cbb', valueLimit: '0x0', policy: token, policyConfig: '0x1' }] })),
      refusal(/policyConfig$/),
    )
  })
})

describe('sessionPermissionsFor', () => {
  it('maps native allowances to plain transfers with a value total, and ERC-20 ones to transfer with an amount total', () => {
    const [native] = sessionPermissionsFor({ type: 'native-token-periodic', periodAmount: 7n, periodDuration: 60 }, manager)
    assert.deepEqual([native!.target, native!.selector, native!.valueLimit, native!.policy], [ANY_TARGET, EMPTY_CALLDATA, 7n, manager])
    assert.deepEqual(decodeCallPolicyConfig(native!.policyConfig).limits, [{ kind: 'value', max: 7n, period: 60 }])
    const [erc20] = sessionPermissionsFor({ type: 'erc20-token-allowance', token, allowanceAmount: 9n }, manager)
    assert.deepEqual([erc20!.target, erc20!.selector, erc20!.valueLimit], [token, '0xa9059cbb', 0n])
    assert.deepEqual(decodeCallPolicyConfig(erc20!.policyConfig).limits.map(({ kind, max, period }) => ({ kind, max, period })), [{ kind: 'param', max: 9n, period: 0 }])
    const [stream] = sessionPermissionsFor({ type: 'erc20-token-stream', token, initialAmount: 1n, maxAmount: 5n, amountPerSecond: 2n, startTime: 10 }, manager, manager)
    assert.deepEqual(decodeStreamPolicyConfig(stream!.policyConfig), { token, initialAmount: 1n, maxAmount: 5n, amountPerSecond: 2n, startTime: 10 })
  })

  it('makes a session from the start to one second before the strict expiry, signed by `to`', () => {
    const parsed = parsePermissionRequest(request('native-token-allowance', { allowanceAmount: '0x64', startTime: 1_900_000_000 })) as ParsedPermissionRequest & { expiry: number }
    const session = sessionForPermission(parsed, { manager })
    assert.deepEqual([session.signer, session.validAfter, session.validUntil], [key, 1_900_000_000, 1_999_999_999])
    assert.notEqual(session.gasPolicy, '0x0000000000000000000000000000000000000000', 'the default gas bounds apply')
  })
})

describe('adjustPermissionRequest', () => {
  const periodic = { ...parsePermissionRequest(request('erc20-token-periodic', { tokenAddress: token, periodAmount: '0x64', periodDuration: 3600, startTime: 100 })), expiry: 2_000_000_000 }
  it('grants less: lower amounts, a longer period, a later start, an earlier expiry', () => {
    const adjusted = adjustPermissionRequest(periodic, { amounts: { periodAmount: 60n }, periodDuration: 7200, startTime: 200, expiry: 1_999_000_000 })
    assert.deepEqual(adjusted.data, { type: 'erc20-token-periodic', token, periodAmount: 60n, periodDuration: 7200, startTime: 200 })
    assert.equal(adjusted.expiry, 1_999_000_000)
    assert.equal(periodic.data.type === 'erc20-token-periodic' && periodic.data.periodAmount, 100n, 'the request itself is unchanged')
  })

  it('refuses anything that grants more, a field of another type, or amounts the dApp did not allow to change', () => {
    const refused = (adjustments: Parameters<typeof adjustPermissionRequest>[1], field: RegExp, base = periodic) =>
      assert.throws(() => adjustPermissionRequest(base, adjustments), (error: unknown) => error instanceof InvalidParameterError && field.test(error.parameter))
    refused({ amounts: { periodAmount: 101n } }, /periodAmount$/)
    refused({ amounts: { periodAmount: 0n } }, /periodAmount$/)
    refused({ amounts: { allowanceAmount: 1n } }, /allowanceAmount$/)
    refused({ periodDuration: 1800 }, /periodDuration$/)
    refused({ startTime: 99 }, /startTime$/)
    refused({ expiry: 2_000_000_001 }, /expiry$/)
    refused({ amounts: { periodAmount: 50n } }, /^adjustments$/, { ...periodic, isAdjustmentAllowed: false })
    assert.equal(adjustPermissionRequest({ ...periodic, isAdjustmentAllowed: false }, { expiry: 1_000 }).expiry, 1_000, 'the expiry may always be shortened')
    const stream = { ...parsePermissionRequest(request('erc20-token-stream', { tokenAddress: token, amountPerSecond: '0x2', initialAmount: '0x5', maxAmount: '0x50' })), expiry: 2_000_000_000 }
    refused({ amounts: { maxAmount: 4n } }, /maxAmount$/, stream)
  })
})

describe("viem's wallet_grantPermissions shape", () => {
  const context = { chainId: 31_337, account, manager, now: 1_000 }
  const ask = (permissions: unknown[], signer: unknown = { type: 'account', data: { id: key } }) => grantPermissionsRequests([{ expiry: 5_000, signer, permissions }], context)

  it('puts every boundable permission into one latchkey-session request, and leaves out optional ones it cannot bound', () => {
    const { requests, granted } = ask([
      { type: 'erc20-token-transfer', data: { address: token, ticker: 'T' }, policies: [{ type: 'token-allowance', data: { allowance: '0x10' } }], required: true },
      { type: 'contract-call', data: { address: token, calls: ['approve(address,uint256)'] }, policies: [{ type: 'rate-limit', data: { count: 3, interval: 60 } }] },
      { type: 'native-token-transfer', data: { ticker: 'ETH' }, policies: [], required: false },
      { type: 'erc20-token-transfer', data: { address: token }, policies: [{ type: 'gas-limit', data: { limit: '0x1' } }], required: false },
    ])
    assert.equal(requests.length, 1)
    assert.equal(granted.length, 2)
    const parsed = parsePermissionRequest(requests[0])
    assert.deepEqual([parsed.to, parsed.from, parsed.expiry, parsed.isAdjustmentAllowed], [key, account, 5_000, false])
    const permissions = parsed.data.type === 'latchkey-session' ? parsed.data.permissions : []
    assert.deepEqual(permissions.map((p) => p.selector), ['0xa9059cbb', '0x095ea7b3'])
    assert.deepEqual(decodeCallPolicyConfig(permissions[1]!.policyConfig).limits, [{ kind: 'calls', max: 3n, period: 60 }])
  })

  it('refuses a required permission it cannot bound, a wallet or multi-key signer, and a past expiry', () => {
    assert.throws(() => ask([{ type: 'native-token-transfer', data: {}, policies: [], required: true }]), refusal(/permissions\[0\]$/))
    assert.throws(() => ask([{ type: 'contract-call', data: { address: token, calls: ['nope'] }, policies: [], required: true }]), refusal(/permissions\[0\]$/))
    assert.throws(() => ask([{ type: 'native-token-transfer', data: {}, policies: [], required: false }]), refusal(/permissions$/))
    assert.throws(() => ask([{ type: 'native-token-transfer', data: {}, policies: [{ type: 'token-allowance', data: { allowance: 'lots' } }], required: true }]), refusal(/permissions\[0\]$/))
    assert.throws(() => ask([], { type: 'wallet' }), refusal(/signer$/))
    assert.throws(() => ask([{ type: 'contract-call', data: { address: token, calls: ['move(uint8,uint8)'] }, policies: [] }], { type: 'keys', data: { ids: [key] } }), refusal(/signer$/))
    assert.throws(() => grantPermissionsRequests([{ expiry: 999, signer: { type: 'account', data: { id: key } }, permissions: [] }], context), refusal(/expiry$/))
  })
})
