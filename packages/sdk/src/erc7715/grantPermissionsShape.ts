import { getAddress, isAddress, isHex, numberToHex, toFunctionSelector, zeroAddress, type Address, type Hex } from 'viem'
import { encodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import type { Permission } from '../sessions/session.ts'
import { invalidField, parsePermissionRequest, type ExecutionPermissionRequest, type ExecutionPermissionResponse } from './executionPermission.ts'
import { latchkeySessionPermissionData } from './latchkeySessionPermission.ts'
import { sessionPermissionsFor } from './permissionSession.ts'

/**
 * viem's `erc7715Actions().grantPermissions` speaks an older draft: `wallet_grantPermissions` with
 * `{ expiry, permissions: [{ type, data, policies, required }], signer }` and one `permissionsContext` for all
 * of them. Latchkey answers it with one session holding every permission it can bound:
 * - `native-token-transfer` with a `token-allowance` policy: plain transfers to anyone, that much in total;
 * - `erc20-token-transfer` (`data.address`) with `token-allowance`: `transfer` of that token, that much in total;
 * - `contract-call` (`data.address`, `data.calls`: function signatures), optionally with `rate-limit`
 *   (`count` calls per `interval` seconds): those functions of that contract, no value.
 * A permission it cannot bound (a transfer without an allowance, an unknown type or policy, `gas-limit`) is
 * refused when `required`, and left out otherwise; the response lists only what was granted.
 */
type OldPermission = { type: string; data: Record<string, unknown>; policies: { type: string; data: Record<string, unknown> }[]; required?: boolean }

export function grantPermissionsRequests(
  params: unknown,
  context: { chainId: number; account: Address; manager: Address; now: number },
): { requests: ExecutionPermissionRequest[]; granted: OldPermission[] } {
  const raw = (Array.isArray(params) ? params[0] : params) as Record<string, unknown> | undefined
  if (typeof raw !== 'object' || raw === null) throw invalidField('params[0]', 'must be a grantPermissions request')
  if (typeof raw.expiry !== 'number' || !Number.isInteger(raw.expiry) || raw.expiry <= context.now) throw invalidField('params[0].expiry', 'must be a Unix time in the future')
  const signer = signerAddress(raw.signer)
  if (!Array.isArray(raw.permissions) || raw.permissions.length === 0) throw invalidField('params[0].permissions', 'must be a non-empty list')
  const permissions: Permission[] = []
  const granted: OldPermission[] = []
  raw.permissions.forEach((entry: OldPermission, i: number) => {
    const field = `params[0].permissions[${i}]`
    const mapped = mapPermission(entry, context.manager)
    if (typeof mapped === 'string') {
      if (entry?.required) throw invalidField(field, mapped)
      return
    }
    permissions.push(...mapped)
    granted.push(entry)
  })
  if (permissions.length === 0) throw invalidField('params[0].permissions', 'none of the permissions can be granted with a bound')
  const request: ExecutionPermissionRequest = {
    chainId: numberToHex(context.chainId),
    from: context.account,
    to: signer,
    permission: { type: 'latchkey-session', isAdjustmentAllowed: false, data: latchkeySessionPermissionData(permissions) },
    rules: [{ type: 'expiry', data: { timestamp: raw.expiry } }],
  }
  parsePermissionRequest(request)
  return { requests: [request], granted }
}

function signerAddress(signer: unknown): Address {
  const s = signer as { type?: unknown; data?: { id?: unknown } } | undefined
  if ((s?.type === 'account' || s?.type === 'key') && typeof s.data?.id === 'string' && isAddress(s.data.id, { strict: false })) return getAddress(s.data.id)
  throw invalidField('params[0].signer', "must be { type: 'account' } or { type: 'key' } with an address as data.id: Latchkey grants to a session key (wallet-managed and multi-key signers are not supported)")
}

/** The session permissions for one old-draft permission, or why it has no bound. */
function mapPermission(entry: OldPermission, manager: Address): Permission[] | string {
  if (typeof entry !== 'object' || entry === null || typeof entry.data !== 'object' || entry.data === null) return 'must be { type, data, policies }'
  const policies = Array.isArray(entry.policies) ? entry.policies : []
  const known = ['token-allowance', 'rate-limit']
  const unknown = policies.find((p) => !known.includes(p?.type))
  if (unknown) return `policy ${JSON.stringify(unknown?.type)} is not one this wallet enforces (token-allowance, rate-limit)`
  const allowance = policies.find((p) => p.type === 'token-allowance')?.data?.allowance
  const amount = typeof allowance === 'bigint' ? allowance : typeof allowance === 'string' && isHex(allowance, { strict: true }) && allowance.length > 2 ? BigInt(allowance) : undefined
  if (allowance !== undefined && (amount === undefined || amount >= 1n << 256n)) return 'token-allowance: data.allowance must be a hex amount (0x…) in uint256'
  switch (entry.type) {
    case 'native-token-transfer':
      if (amount === undefined || amount === 0n) return 'a native-token-transfer needs a token-allowance policy (an unbounded transfer is not granted)'
      return sessionPermissionsFor({ type: 'native-token-allowance', allowanceAmount: amount }, manager)
    case 'erc20-token-transfer': {
      const token = entry.data.address
      if (typeof token !== 'string' || !isAddress(token, { strict: false }) || token === zeroAddress) return 'data.address must be the token'
      if (amount === undefined || amount === 0n) return 'an erc20-token-transfer needs a token-allowance policy (an unbounded transfer is not granted)'
      return sessionPermissionsFor({ type: 'erc20-token-allowance', token: getAddress(token), allowanceAmount: amount }, manager)
    }
    case 'contract-call':
      return contractCalls(entry, policies, manager)
    default:
      return `permission type ${JSON.stringify(entry.type)} is not one this wallet grants through wallet_grantPermissions (native-token-transfer, erc20-token-transfer, contract-call)`
  }
}

function contractCalls(entry: OldPermission, policies: OldPermission['policies'], manager: Address): Permission[] | string {
  const target = entry.data.address
  if (typeof target !== 'string' || !isAddress(target, { strict: false }) || target === zeroAddress) return 'data.address must be the contract'
  const calls = entry.data.calls
  if (!Array.isArray(calls) || calls.length === 0) return 'data.calls must list function signatures'
  const rate = policies.find((p) => p.type === 'rate-limit')?.data
  if (policies.some((p) => p.type === 'token-allowance')) return 'a contract-call takes no token-allowance (it sends no value)'
  let config: Hex = '0x'
  if (rate !== undefined) {
    const { count, interval } = rate as { count?: unknown; interval?: unknown }
    if (!Number.isInteger(count) || (count as number) < 1 || !Number.isInteger(interval) || (interval as number) < 1) return 'rate-limit needs whole count and interval (seconds) above 0'
    config = encodeCallPolicyConfig({ groups: [], limits: [{ kind: 'calls', max: BigInt(count as number), period: interval as number }] })
  }
  const permissions: Permission[] = []
  for (const call of calls) {
    let selector: Hex
    try {
      selector = toFunctionSelector(String(call))
    } catch {
      return `data.calls: ${JSON.stringify(call)} is not a function signature`
    }
    permissions.push({ target: getAddress(target), selector, valueLimit: 0n, policy: config === '0x' ? zeroAddress : manager, policyConfig: config })
  }
  return permissions
}

/** viem's response shape for a granted request. */
export function grantPermissionsResponse(response: ExecutionPermissionResponse, granted: OldPermission[]) {
  const expiry = response.rules.find((rule) => rule.type === 'expiry')?.data.timestamp as number
  return { expiry, grantedPermissions: granted, permissionsContext: response.context }
}
