import { formatEther, formatGwei, hexToBigInt, hexToNumber, size, slice, toFunctionSelector, zeroAddress, type Abi, type AbiFunction, type AbiParameter, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { PolicyConfigError } from '../errors/policy.ts'
import { evaluatesCallRules, evaluatesGasRules } from '../sessions/policyModules.ts'
import { ANY_SELECTOR, ECDSA_SIGNER, EMPTY_CALLDATA, type Permission, type Session } from '../sessions/session.ts'
import { decodeCallPolicyConfig } from './callPolicyConfig.ts'
import { describeCallPolicy } from './describeCallPolicy.ts'
import { AddressBook, formatDuration, formatPeriod, formatTime, type KnownContract } from './describeFormat.ts'
import { decodeErc20PolicyConfig } from './erc20PolicyConfig.ts'
import { decodeGasPolicyConfig } from './gasPolicyConfig.ts'
import { decodeStreamPolicyConfig } from './streamPolicy.ts'
import { P256_OPTIONS } from '../signers/p256SignerKey.ts'
import { typedDataScopeOf } from '../typedData/typedDataScope.ts'

/** The policy modules `describeSession` recognises, by address. */
export type DescribeSessionModules = {
  /** The manager the session is for: rules built into it are described as CallPolicy rules. */
  sessionKeyManager: Address
  callPolicy: Address
  erc20Policy: Address
  gasPolicy: Address
  usageLimitPolicy: Address
  streamPolicy: Address
}

export type DescribeSessionOptions = {
  /** Names and ABIs of contracts (and names of any address: tokens, routers, paymasters…). */
  contracts?: Readonly<Record<Address, KnownContract>> | undefined
  /** The account the session is for: shown as "the account" wherever it appears. */
  account?: Address | undefined
  /** Where the policy modules are, and the manager the session is for (its built-in rules). Default: `latchkeyModules`. */
  modules?: Partial<DescribeSessionModules> | undefined
  /** Unix seconds, to say whether the session has started or ended. Default: not said. */
  now?: number | undefined
}

/**
 * What a session lets its key do, in plain English, for a consent screen: who signs, when, and each
 * permission (contract, function, native value, then its policy's rules and limits, naming parameters from
 * the ABI when `options.contracts` gives it), then the gas bounds. Lines starting with `WARNING` name what
 * is unbounded (no expiry, no gas policy, no gas total). One line per fact, permission details indented.
 *
 * @example
 * describeSession(session, { account, contracts: { [usdc]: { name: 'USDC' }, [router]: { name: 'Uniswap router', abi: routerAbi } } })
 * // Session key 0x1111…1111 (an ECDSA key) may sign calls for the account 0x….
 * // Valid from 2027-01-15T08:00:00Z until 2027-01-16T08:00:00Z (1 day).
 * // 1. Uniswap router (0xE592…1564): exactInputSingle((address tokenIn, …) params), no ETH
 * //    - params.tokenIn must be 0xA0b8…eB48 (USDC)
 * //    - params.amountIn at most 100000000 per call
 * //    - at most 1000000000 of params.amountIn in total
 * // Fees: at most 200 gwei per gas; at most 30000000 gas per operation; the account pays at most 0.05 ETH in total; any paymaster, or none (the account pays).
 */
export function describeSession(session: Session, options: DescribeSessionOptions = {}): string {
  const book = new AddressBook(options.contracts, options.account)
  const modules: DescribeSessionModules = { ...latchkeyModules, ...options.modules }
  const lines = [describeSigner(session, book, options.account), ...describeWindow(session, options.now)]
  session.permissions.forEach((permission, i) => {
    const [head, ...details] = describePermission(permission, book, modules)
    lines.push(`${i + 1}. ${head}`, ...details.map((detail) => `   - ${detail}`))
  })
  lines.push(...describeGas(session, book, modules))
  // Everything unbounded or unknown, again, each on a line of its own that starts with WARNING (a consent
  // screen may show only these).
  for (const warning of sessionWarnings(session, book, modules)) if (!lines.includes(warning)) lines.push(warning)
  return lines.join('\n')
}

/** One `WARNING: …` line per thing in the session that is unbounded, unknown or unusable. */
function sessionWarnings(session: Session, book: AddressBook, modules: DescribeSessionModules): string[] {
  const warnings: string[] = []
  const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()
  session.permissions.forEach((permission, i) => {
    const n = `permission ${i + 1}`
    const anyTarget = same(permission.target, zeroAddress)
    if (anyTarget) warnings.push(anyTargetWarning(n, permission, book))
    let valueTotal = false
    let readable = true
    if (evaluatesCallRules(permission.policy, modules)) {
      try {
        valueTotal = decodeCallPolicyConfig(permission.policyConfig).limits.some((limit) => limit.kind === 'value')
      } catch {
        readable = false
      }
    } else if (same(permission.policy, modules.erc20Policy)) {
      try {
        const config = decodeErc20PolicyConfig(permission.policyConfig)
        if (config.recipients.length === 0 && config.perCall === 0n && config.total === 0n && config.perPeriod === 0n) {
          warnings.push(`WARNING: ${n} may move any amount of ${book.contract(permission.target)} to anyone.`)
        }
      } catch {
        readable = false
      }
    } else if (same(permission.policy, modules.streamPolicy)) {
      try {
        // A stream bounds its total by time: what accrues by now, and maxAmount.
        valueTotal = true
        if (decodeStreamPolicyConfig(permission.policyConfig).maxAmount === (1n << 256n) - 1n) {
          warnings.push(`WARNING: ${n} streams with no cap (maxAmount): what it may move keeps growing for as long as the session lasts.`)
        }
      } catch {
        readable = false
      }
    } else if (typedDataScopeOf(permission, permission.target) !== undefined) {
      // A typed-data permission (scoped ERC-1271): no call can use it, but its scope stops at the type.
      warnings.push(`WARNING: ${n} lets the session sign typed data of the listed domains and types with any field values (a Permit2 PermitSingle of any token, amount and spender, say): keep such sessions short, and list a narrow domain where there is one.`)
    } else if (!same(permission.policy, zeroAddress) && !same(permission.policy, modules.usageLimitPolicy)) {
      warnings.push(`WARNING: ${n} is checked by a policy module this SDK does not know (${permission.policy}): its rules are not shown.`)
    }
    if (!readable) warnings.push(`WARNING: ${n} has a malformed policy config: every call under it will be refused.`)
    if (permission.valueLimit > 0n && !valueTotal) {
      warnings.push(`WARNING: ${n} may send up to ${formatEther(permission.valueLimit)} ETH per call with no total: repeated calls can move all of the account's ETH.`)
    }
  })
  if (!same(session.gasPolicy, zeroAddress) && !evaluatesGasRules(session.gasPolicy, modules)) {
    warnings.push(`WARNING: fees are checked by a gas policy module this SDK does not know (${session.gasPolicy}).`)
  } else if (evaluatesGasRules(session.gasPolicy, modules)) {
    try {
      const config = decodeGasPolicyConfig(session.gasPolicyConfig)
      if (config.maxFeePerGas === 0n) warnings.push('WARNING: no bound on the fee per gas.')
      if (config.paymasterMode === 'any') {
        warnings.push('WARNING: any paymaster may pay, and what a paymaster charges the account (a token paymaster, say) is not counted against the totals.')
      }
    } catch {
      warnings.push('WARNING: the gas policy config is malformed: every userOp of the session will be refused.')
    }
  }
  return warnings
}

/** Never reachable by any session call (docs/sessions.md §1). */
const NEVER = 'the account, the session manager, the EntryPoints and address zero'

/** What an any-target permission can reach, exactly, as one WARNING line. */
function anyTargetWarning(n: string, permission: Permission, book: AddressBook): string {
  const selector = permission.selector.toLowerCase()
  const value = permission.valueLimit === 0n ? 'no ETH' : `up to ${formatEther(permission.valueLimit)} ETH per call`
  if (selector === EMPTY_CALLDATA) {
    return `WARNING: ${n} may send plain transfers (no calldata, ${value}) to any address but ${NEVER}: to any person, and to any contract, whose receive or fallback code then runs (modules the account says are installed excepted).`
  }
  const fn = findFunction(permission, book)
  const what = selector === ANY_SELECTOR ? 'any function (only its policy restricts it)' : fn ? formatFunction(fn) : `function ${permission.selector}`
  return `WARNING: ${n} (target 'any-unsafe') may call ${what} with ${value} on any contract but ${NEVER} and the modules the account says are installed for it (a Safe's own modules included): that includes a fallback handler installed on the account for another function, a module the account cannot report (Kernel's hooks, Safe7579's hooks for other functions), and every token or contract where the account holds something.`
}

function describeSigner(session: Session, book: AddressBook, account: Address | undefined): string {
  const forWhom = account === undefined ? 'the account' : `the account ${account}`
  if (session.signerVerifier.toLowerCase() === ECDSA_SIGNER) return `Session key ${session.signer} (an ECDSA key) may sign calls for ${forWhom}.`
  if (session.signerVerifier.toLowerCase() === latchkeyModules.p256SignerVerifier.toLowerCase() && size(session.signer) === 65) {
    return `${describeP256Signer(session.signer)} may sign calls for ${forWhom}.`
  }
  return `A session signer (key data ${shortHex(session.signer)}, checked by verifier contract ${book.contract(session.signerVerifier)}) may sign calls for ${forWhom}.`
}

/** A P-256 signer in words: a passkey (and whether each signature needs the user verified) or a raw key. */
function describeP256Signer(signer: Hex): string {
  const options = hexToNumber(slice(signer, 64))
  const key = shortHex(slice(signer, 0, 64))
  const curve = options & P256_OPTIONS.precompile ? 'the chain\'s P-256 precompile' : 'P-256 in Solidity'
  if (!(options & P256_OPTIONS.webAuthn)) return `A P-256 key (${key}, such as a browser's WebCrypto key; checked with ${curve})`
  const presence = options & P256_OPTIONS.userVerified ? 'each signature with the user verified (biometrics or PIN)' : 'each signature with the user present (a touch), not verified'
  return `A passkey (WebAuthn, P-256 key ${key}; ${presence}; checked with ${curve})`
}

function describeWindow(session: Session, now: number | undefined): string[] {
  const { validAfter, validUntil } = session
  const from = validAfter === 0 ? 'Valid from now' : `Valid from ${formatTime(validAfter)}`
  const status =
    now === undefined ? '' : validUntil !== 0 && validUntil < now ? ' It has expired.' : validAfter > now ? ` It starts in ${formatDuration(validAfter - now)}.` : ''
  if (validUntil === 0) return [`${from}, with no end.${status}`, 'WARNING: no expiry: the session stays valid until it is revoked.']
  const length = validAfter === 0 ? (now === undefined ? '' : validUntil > now ? ` (${formatDuration(validUntil - now)} from now)` : '') : ` (${formatDuration(validUntil - validAfter)})`
  return [`${from} until ${formatTime(validUntil)}${length}.${status}`]
}

/** The permission's head line (contract, function, value), then its policy's lines. */
function describePermission(permission: Permission, book: AddressBook, modules: DescribeSessionModules): string[] {
  const scope = typedDataScopeOf(permission, permission.target)
  if (scope !== undefined) {
    const pairs = scope.map(([domain, type]) => `domain ${shortHex(domain)}, type ${shortHex(type)}`)
    return [`Sign EIP-712 typed data for the account (ERC-1271 through ${book.contract(permission.target)}, bound to this account), only: ${pairs.join('; ') || 'nothing (an empty scope)'}`]
  }
  const policy = permission.policy.toLowerCase()
  const value = permission.valueLimit === 0n ? 'no ETH' : `up to ${formatEther(permission.valueLimit)} ETH per call`
  if (policy === modules.erc20Policy.toLowerCase() && permission.selector.toLowerCase() === ANY_SELECTOR) {
    return [`${describeErc20(permission, book)}${permission.valueLimit === 0n ? '' : `; ${value}`}`]
  }
  const contract = permission.target.toLowerCase() === zeroAddress ? "any contract (except the account, the session manager, EntryPoints and the account's installed modules)" : book.contract(permission.target)
  const fn = findFunction(permission, book)
  const call =
    permission.selector.toLowerCase() === EMPTY_CALLDATA
      ? 'plain transfers only (no calldata)'
      : permission.selector.toLowerCase() === ANY_SELECTOR
        ? 'any function'
        : fn
          ? formatFunction(fn)
          : `function ${permission.selector} (ABI not known)`
  const head = `${contract}: ${call}, ${value}`
  if (policy === zeroAddress) return [head]
  if (evaluatesCallRules(permission.policy, modules)) {
    try {
      return [head, ...describeCallPolicy(decodeCallPolicyConfig(permission.policyConfig), fn, book)]
    } catch (error) {
      return [head, malformed('CallPolicy', error)]
    }
  }
  if (policy === modules.erc20Policy.toLowerCase()) return [head, describeErc20(permission, book)]
  if (policy === modules.usageLimitPolicy.toLowerCase()) {
    if (size(permission.policyConfig) !== 32) return [head, 'WARNING: its UsageLimitPolicy config is malformed: every call will be refused']
    const max = hexToBigInt(permission.policyConfig)
    return [head, `at most ${max} call${max === 1n ? '' : 's'} in total`]
  }
  if (policy === modules.streamPolicy.toLowerCase()) return [head, describeStream(permission, book)]
  return [head, `checked by policy module ${unknownModule(permission.policy, book)} (not known to this SDK)`]
}

/** A stream's one line: what accrues, from when, up to what. */
function describeStream(permission: Permission, book: AddressBook): string {
  let config
  try {
    config = decodeStreamPolicyConfig(permission.policyConfig)
  } catch (error) {
    return malformed('StreamPolicy', error)
  }
  const native = config.token.toLowerCase() === zeroAddress
  const unit = (amount: bigint) => (native ? `${formatEther(amount)} ETH` : `${amount} of ${book.contract(config.token)}`)
  const what = native ? 'plain transfers to anyone' : `transfer of token ${book.contract(config.token)} to anyone`
  const cap = config.maxAmount === (1n << 256n) - 1n ? 'with no cap' : `up to ${unit(config.maxAmount)} in all`
  const start = config.startTime === 0 ? '' : ` from ${formatTime(config.startTime)}`
  return `${what}: ${unit(config.initialAmount)} at once, then ${unit(config.amountPerSecond)} more every second${start}, ${cap}`
}

function describeErc20(permission: Permission, book: AddressBook): string {
  const token = `token ${book.contract(permission.target)}`
  let config
  try {
    config = decodeErc20PolicyConfig(permission.policyConfig)
  } catch (error) {
    return `${token}: ${malformed('Erc20Policy', error)}`
  }
  const to = config.recipients.length === 0 ? 'to anyone' : `to ${config.recipients.map((r) => book.value(r)).join(' or ')}`
  const caps = [
    config.perCall === 0n ? undefined : `at most ${config.perCall} per call`,
    config.total === 0n ? undefined : `${config.total} in total`,
    config.perPeriod === 0n ? undefined : `${config.perPeriod} ${formatPeriod(config.period)}`,
  ].filter((cap) => cap !== undefined)
  const amounts = caps.length === 0 ? 'any amount' : caps[0]!.startsWith('at most') ? caps.join(', ') : `at most ${caps.join(', ')}`
  return `${token}: transfer / approve / increaseAllowance / transferFrom from the account, ${to}, ${amounts}`
}

/** The line for a session without a gas policy (`createSession({ gas: 'unbounded' })`). */
const UNBOUNDED_GAS_WARNING =
  "WARNING: No bound on fees (gas: 'unbounded'): the session key, acting as its own bundler, can spend all of the account's ETH on gas."

function describeGas(session: Session, book: AddressBook, modules: DescribeSessionModules): string[] {
  if (session.gasPolicy.toLowerCase() === zeroAddress) return [UNBOUNDED_GAS_WARNING]
  if (!evaluatesGasRules(session.gasPolicy, modules)) {
    return [`Fees: checked by gas policy module ${unknownModule(session.gasPolicy, book)} (not known to this SDK).`]
  }
  let config
  try {
    config = decodeGasPolicyConfig(session.gasPolicyConfig)
  } catch (error) {
    return [`Fees: ${malformed('GasPolicy', error, 'every userOp')}`]
  }
  const parts = [
    config.maxFeePerGas === 0n ? 'no bound on the fee per gas' : `at most ${formatGwei(config.maxFeePerGas)} gwei per gas`,
    ...(config.maxGasLimit === 0n ? [] : [`at most ${config.maxGasLimit} gas per operation`]),
  ]
  const pays = [
    ...(config.total === 0n ? [] : [`${formatEther(config.total)} ETH in total`]),
    ...(config.perPeriod === 0n ? [] : [`${formatEther(config.perPeriod)} ETH ${formatPeriod(config.period)}`]),
  ]
  const selfPay = config.paymasterMode !== 'listed'
  if (selfPay && pays.length > 0) parts.push(`the account pays at most ${pays.join(' and ')}`)
  const paymasters = config.paymasters.map((p) => book.value(p)).join(', ')
  parts.push(
    {
      any: 'any paymaster, or none (the account pays)',
      none: 'no paymaster (the account pays)',
      noneOrListed: `no paymaster (the account pays), or one of: ${paymasters}`,
      listed: `always a paymaster, one of: ${paymasters} (the account never pays)`,
    }[config.paymasterMode],
  )
  const lines = [`Fees: ${parts.join('; ')}.`]
  if (selfPay && pays.length === 0) lines.push("WARNING: No bound on the total the account pays for gas: the session key can spend the account's ETH on fees.")
  return lines
}

/** The function a permission's selector names, from the target's ABI (or any known ABI for any target). */
function findFunction(permission: Permission, book: AddressBook): AbiFunction | undefined {
  const selector = permission.selector.toLowerCase()
  if (selector === EMPTY_CALLDATA || selector === ANY_SELECTOR) return undefined
  const own = book.abi(permission.target)
  const abis: Abi[] = permission.target.toLowerCase() === zeroAddress ? book.abis() : own ? [own] : []
  for (const abi of abis) {
    for (const item of abi) {
      if (item.type === 'function' && toFunctionSelector(item) === selector) return item
    }
  }
  return undefined
}

/**
 * A function with its parameters' types and names, tuples spelled out.
 *
 * @example
 * formatFunction(swapV2) // 'swapExactTokensForTokens(uint256 amountIn, uint256 amountOutMin, address[] path, address to, uint256 deadline)'
 */
export function formatFunction(fn: AbiFunction): string {
  return `${fn.name}(${fn.inputs.map((input) => formatParameter(input)).join(', ')})`
}

function formatParameter(param: AbiParameter): string {
  const type =
    'components' in param && param.type.startsWith('tuple')
      ? `(${param.components.map((c) => formatParameter(c)).join(', ')})${param.type.slice('tuple'.length)}`
      : param.type
  return param.name ? `${type} ${param.name}` : type
}

function unknownModule(address: Address, book: AddressBook): string {
  const name = book.name(address)
  return name === undefined ? address : `${name} (${address})`
}

function malformed(module: string, error: unknown, refused = 'every call'): string {
  const why = error instanceof PolicyConfigError ? `at byte ${error.offset}: ${error.problem}` : String(error)
  return `WARNING: its ${module} config is malformed (${why}): ${refused} will be refused`
}

function shortHex(hex: Hex): string {
  return size(hex) <= 8 ? hex : `${hex.slice(0, 10)}…${hex.slice(-8)} (${size(hex)} bytes)`
}

