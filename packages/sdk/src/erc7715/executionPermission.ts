import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem'
import { PERMISSION_ERROR_CODES, PermissionRequestError } from '../errors/erc7715.ts'
import { parseLatchkeySessionData, type LatchkeySessionData } from './latchkeySessionPermission.ts'

/**
 * ERC-7715 (draft of 2026, as MetaMask's wallet and Smart Accounts Kit speak it): the JSON shapes of
 * `wallet_requestExecutionPermissions` and the strict reading of a request into typed values. Amounts on the
 * wire are hex strings (wei or token base units); times are numbers of seconds. docs/erc7715.md.
 */

/** A rule on a permission. Latchkey grants `expiry` only; any other rule type is refused, not ignored. */
export type PermissionRule = { type: string; data: Record<string, unknown> }

/** One permission a dApp asks for, as sent on the wire. */
export type ExecutionPermissionRequest = {
  /** The chain, hex. */
  chainId: Hex
  /** The account the dApp wants the permission on; the wallet fills it in when absent. */
  from?: Address | undefined
  /** Who will act: the dApp's session key (an address). */
  to: Address
  permission: { type: string; isAdjustmentAllowed?: boolean | undefined; data: Record<string, unknown> & { justification?: string | undefined } }
  rules?: readonly PermissionRule[] | undefined
}

/** What the wallet answers for a granted request: the request as granted (maybe adjusted) and how to use it. */
export type ExecutionPermissionResponse = Omit<ExecutionPermissionRequest, 'from' | 'rules'> & {
  from: Address
  rules: PermissionRule[]
  /** The grant the dApp acts with (`toSessionAccount({ permissionContext })`), and revokes by. */
  context: Hex
  /** Contracts to deploy first. Latchkey's wallet deploys the account when it grants: always empty. */
  dependencies: { factory: Address; factoryData: Hex }[]
  /** The SessionKeyManager that checks the grant (it is not an ERC-7710 delegation manager: docs/erc7715.md). */
  delegationManager: Address
}

/** The permission types Latchkey grants, each mapped onto a session (docs/erc7715.md). */
export const EXECUTION_PERMISSION_TYPES = [
  'native-token-allowance',
  'erc20-token-allowance',
  'native-token-periodic',
  'erc20-token-periodic',
  'native-token-stream',
  'erc20-token-stream',
  'latchkey-session',
] as const

export type ExecutionPermissionType = (typeof EXECUTION_PERMISSION_TYPES)[number]

/** A permission's data read into typed values. `token` is absent for the native token. */
export type PermissionData =
  | { type: 'native-token-allowance' | 'erc20-token-allowance'; token?: Address; allowanceAmount: bigint; startTime?: number }
  | { type: 'native-token-periodic' | 'erc20-token-periodic'; token?: Address; periodAmount: bigint; periodDuration: number; startTime?: number }
  | {
      type: 'native-token-stream' | 'erc20-token-stream'
      token?: Address
      initialAmount: bigint
      maxAmount: bigint
      amountPerSecond: bigint
      startTime?: number
    }
  | ({ type: 'latchkey-session' } & LatchkeySessionData)

/** A request read and checked: every field typed, the expiry as a Unix time (strict: usable while now < expiry). */
export type ParsedPermissionRequest = {
  chainId: number
  from?: Address
  to: Address
  isAdjustmentAllowed: boolean
  justification?: string
  data: PermissionData
  expiry?: number
}

const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT48 = 2 ** 48 - 1
/** MetaMask's bound on a period: ten years. */
const MAX_PERIOD_SECONDS = 10 * 365 * 86_400
const MAX_JUSTIFICATION = 300

/** Refuses a request field: EIP-1193 invalid params, naming the field and the rule. */
export function invalidField(field: string, rule: string): PermissionRequestError {
  return new PermissionRequestError(PERMISSION_ERROR_CODES.invalidParams, field, rule)
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidField(field, 'must be an object')
  return value as Record<string, unknown>
}

function address(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw invalidField(field, 'must be an address (0x and 40 hex digits)')
  return getAddress(value)
}

/** A hex amount (uint256), as ERC-7715 writes amounts. A bigint is taken too (SDK callers). */
function amount(value: unknown, field: string, options: { positive?: boolean } = {}): bigint {
  let parsed: bigint
  if (typeof value === 'bigint') parsed = value
  else if (typeof value === 'string' && isHex(value, { strict: true }) && value.length > 2) parsed = BigInt(value)
  else throw invalidField(field, 'must be a hex amount (0x…)')
  if (parsed < 0n || parsed > MAX_UINT256) throw invalidField(field, 'must fit in a uint256')
  if (options.positive && parsed === 0n) throw invalidField(field, 'must be above 0')
  return parsed
}

function seconds(value: unknown, field: string, max = MAX_UINT48): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw invalidField(field, `must be a whole number of seconds from 0 to ${max}`)
  return value
}

/** The data of one permission type, read strictly: an unknown field is refused (it may be a restriction we would drop). */
function readData(type: string, raw: Record<string, unknown>, field: string): PermissionData {
  const known = (names: readonly string[]) => {
    for (const key of Object.keys(raw)) if (!names.includes(key)) throw invalidField(`${field}.${key}`, `is not a field of ${type}`)
  }
  const token = type.startsWith('erc20-') ? { token: address(raw.tokenAddress, `${field}.tokenAddress`) } : {}
  const tokenField = type.startsWith('erc20-') ? ['tokenAddress'] : []
  const start = raw.startTime === undefined || raw.startTime === null ? {} : { startTime: seconds(raw.startTime, `${field}.startTime`) }
  switch (type) {
    case 'native-token-allowance':
    case 'erc20-token-allowance': {
      known(['allowanceAmount', 'allowance', 'startTime', 'justification', ...tokenField])
      // MetaMask writes `allowanceAmount`; the ERC's own examples write `allowance`. Both, never both at once.
      if (raw.allowanceAmount !== undefined && raw.allowance !== undefined) throw invalidField(`${field}.allowance`, 'give allowanceAmount or allowance, not both')
      const which = raw.allowanceAmount !== undefined ? 'allowanceAmount' : 'allowance'
      return { type, ...token, allowanceAmount: amount(raw[which], `${field}.${which}`, { positive: true }), ...start }
    }
    case 'native-token-periodic':
    case 'erc20-token-periodic': {
      known(['periodAmount', 'periodDuration', 'startTime', 'justification', ...tokenField])
      const periodDuration = seconds(raw.periodDuration, `${field}.periodDuration`, MAX_PERIOD_SECONDS)
      if (periodDuration === 0) throw invalidField(`${field}.periodDuration`, 'must be at least 1 second')
      return { type, ...token, periodAmount: amount(raw.periodAmount, `${field}.periodAmount`, { positive: true }), periodDuration, ...start }
    }
    case 'native-token-stream':
    case 'erc20-token-stream': {
      known(['initialAmount', 'maxAmount', 'amountPerSecond', 'startTime', 'justification', ...tokenField])
      const initialAmount = raw.initialAmount === undefined ? 0n : amount(raw.initialAmount, `${field}.initialAmount`)
      const maxAmount = raw.maxAmount === undefined ? MAX_UINT256 : amount(raw.maxAmount, `${field}.maxAmount`, { positive: true })
      if (maxAmount < initialAmount) throw invalidField(`${field}.maxAmount`, 'must be at least initialAmount')
      return { type, ...token, initialAmount, maxAmount, amountPerSecond: amount(raw.amountPerSecond, `${field}.amountPerSecond`, { positive: true }), ...start }
    }
    case 'latchkey-session':
      return { type, ...parseLatchkeySessionData(raw, field) }
    default:
      throw invalidField(`${field.replace(/\.data$/, '')}.type`, `${JSON.stringify(type)} is not a permission type this wallet grants (${EXECUTION_PERMISSION_TYPES.join(', ')})`)
  }
}

function readExpiry(rules: unknown, field: string): number | undefined {
  if (rules === undefined || rules === null) return undefined
  if (!Array.isArray(rules)) throw invalidField(field, 'must be a list of rules')
  let expiry: number | undefined
  rules.forEach((raw, i) => {
    const rule = record(raw, `${field}[${i}]`)
    // A rule is a restriction: one this wallet cannot enforce is refused, never dropped.
    if (rule.type !== 'expiry') throw invalidField(`${field}[${i}].type`, `${JSON.stringify(rule.type)} is not a rule type this wallet enforces (only "expiry")`)
    if (expiry !== undefined) throw invalidField(`${field}[${i}]`, 'only one expiry rule')
    const data = record(rule.data, `${field}[${i}].data`)
    expiry = seconds(data.timestamp, `${field}[${i}].data.timestamp`)
    if (expiry === 0) throw invalidField(`${field}[${i}].data.timestamp`, 'must be after 1970')
  })
  return expiry
}

/**
 * Reads one `PermissionRequest` strictly. Throws {@link PermissionRequestError} (-32602) naming the field and
 * the rule for anything malformed, any field or rule type the wallet cannot enforce, a `to` that is not an
 * address, or a justification over 300 characters.
 */
export function parsePermissionRequest(raw: unknown, field = 'params[0]'): ParsedPermissionRequest {
  const request = record(raw, field)
  for (const key of Object.keys(request)) {
    if (!['chainId', 'from', 'to', 'permission', 'rules'].includes(key)) throw invalidField(`${field}.${key}`, 'is not a field of a permission request')
  }
  if (typeof request.chainId !== 'string' || !isHex(request.chainId, { strict: true }) || request.chainId.length < 3) {
    throw invalidField(`${field}.chainId`, 'must be a hex chain id')
  }
  const permission = record(request.permission, `${field}.permission`)
  if (typeof permission.type !== 'string') throw invalidField(`${field}.permission.type`, 'must be a string')
  if (permission.isAdjustmentAllowed !== undefined && typeof permission.isAdjustmentAllowed !== 'boolean') {
    throw invalidField(`${field}.permission.isAdjustmentAllowed`, 'must be true or false')
  }
  const data = record(permission.data, `${field}.permission.data`)
  const justification = data.justification
  if (justification !== undefined && (typeof justification !== 'string' || justification.length > MAX_JUSTIFICATION)) {
    throw invalidField(`${field}.permission.data.justification`, `must be text of at most ${MAX_JUSTIFICATION} characters`)
  }
  const parsed: ParsedPermissionRequest = {
    chainId: Number(BigInt(request.chainId)),
    to: address(request.to, `${field}.to`),
    // A missing isAdjustmentAllowed is taken as true, as MetaMask's wallet does.
    isAdjustmentAllowed: permission.isAdjustmentAllowed !== false,
    data: readData(permission.type, data, `${field}.permission.data`),
  }
  if (request.from !== undefined && request.from !== null) parsed.from = address(request.from, `${field}.from`)
  if (typeof justification === 'string') parsed.justification = justification
  const expiry = readExpiry(request.rules, `${field}.rules`)
  if (expiry !== undefined) parsed.expiry = expiry
  return parsed
}

const hex = (value: bigint): Hex => `0x${value.toString(16)}`

/** The wire form of a (granted, maybe adjusted) request: amounts as hex, the expiry as a rule. */
export function formatPermissionRequest(request: ParsedPermissionRequest): ExecutionPermissionRequest & { rules: PermissionRule[] } {
  const { type, ...fields } = request.data
  const data: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'token') data.tokenAddress = value
    else data[key] = typeof value === 'bigint' ? hex(value) : value
  }
  if (type === 'latchkey-session') Object.assign(data, formatLatchkeySessionFields(request.data as LatchkeySessionData))
  if (request.justification !== undefined) data.justification = request.justification
  return {
    chainId: hex(BigInt(request.chainId)),
    ...(request.from === undefined ? {} : { from: request.from }),
    to: request.to,
    permission: { type, isAdjustmentAllowed: request.isAdjustmentAllowed, data },
    rules: request.expiry === undefined ? [] : [{ type: 'expiry', data: { timestamp: request.expiry } }],
  }
}

function formatLatchkeySessionFields(data: LatchkeySessionData): Record<string, unknown> {
  return { permissions: data.permissions.map((p) => ({ ...p, valueLimit: hex(p.valueLimit) })) }
}
