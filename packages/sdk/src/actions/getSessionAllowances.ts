import { zeroAddress, type Address, type Chain, type Client, type Transport } from 'viem'
import { getBlock, readContract } from 'viem/actions'
import { callPolicyAbi } from '@latchkey/contracts'
import { latchkeyModules } from '../deployments.ts'
import { decodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import { decodeErc20PolicyConfig } from '../policies/erc20PolicyConfig.ts'
import { decodeGasPolicyConfig } from '../policies/gasPolicyConfig.ts'
import { decodeStreamPolicyConfig, streamAccrued } from '../policies/streamPolicy.ts'
import { evaluatesCallRules, evaluatesGasRules, type PolicyModules } from '../sessions/policyModules.ts'
import type { Session } from '../sessions/session.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'

/** What one limit counts: calls, native value (wei), a token or parameter amount, a stream's amount, or wei paid for gas. */
export type AllowanceKind = 'calls' | 'value' | 'amount' | 'stream' | 'gas'

/** One limit of a session, as it stands on chain now. */
export type SessionAllowance = {
  /** The permission the limit belongs to, or `'gas'` for the session's gas policy. */
  permissionIndex: number | 'gas'
  limitIndex: number
  kind: AllowanceKind
  /** For `amount` limits of a token permission: the token (the permission's target). */
  token?: Address
  /** The most the counter may reach in the current period (for a stream: what has accrued by now). */
  max: bigint
  used: bigint
  remaining: bigint
  /** Seconds; 0 = over the session's life. */
  period: number
  /** The last second of the current period (inclusive), for a periodic limit. */
  periodEndsAt?: number
  /** For a stream: its cap, and how much more accrues each second until the cap. */
  stream?: { maxAmount: bigint; amountPerSecond: bigint }
}

type Limit = Omit<SessionAllowance, 'used' | 'remaining' | 'periodEndsAt'> & { module: Address; counterIndex: bigint }

/** The permission index GasPolicy keys its counters by (type(uint256).max). */
const SESSION_LEVEL = (1n << 256n) - 1n

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

/**
 * What is left now of every limit of a session, read from the chain: call counts, value and token totals,
 * per-period amounts with the end of the current period, what a stream has accrued less what it spent, and
 * what the account may still pay for gas. Limits of policies this SDK does not know are not listed. A
 * malformed config lists nothing for its permission (every call under it is refused anyway).
 *
 * @example
 * const [moves] = await getSessionAllowances(publicClient, grant)
 * // { permissionIndex: 0, kind: 'calls', max: 20n, used: 5n, remaining: 15n, period: 0, ... }
 */
export async function getSessionAllowances(
  client: Client<Transport, Chain | undefined>,
  grant: SessionGrant,
  modules: PolicyModules = latchkeyModules,
): Promise<SessionAllowance[]> {
  const now = Number((await getBlock(client, { blockTag: 'latest' })).timestamp)
  const limits = sessionLimits(grant.session, { ...modules, sessionKeyManager: grant.manager }, now)
  return Promise.all(
    limits.map(async ({ module, counterIndex, ...limit }) => {
      const [periodId, stored] = await readContract(client, {
        address: module,
        abi: callPolicyAbi, // `usage` comes from PolicyLimits: the same view in every Latchkey policy and the manager
        functionName: 'usage',
        args: [grant.manager, grant.account, grant.digest, counterIndex, BigInt(limit.limitIndex)],
      })
      const current = limit.period === 0 ? 0 : Math.floor(now / limit.period)
      const used = BigInt(periodId) < BigInt(current) ? 0n : stored
      const allowance: SessionAllowance = { ...limit, used, remaining: limit.max > used ? limit.max - used : 0n }
      if (limit.period !== 0) allowance.periodEndsAt = (current + 1) * limit.period - 1
      return allowance
    }),
  )
}

/** Every limit the session's known policies keep, with the module whose counters hold it. */
function sessionLimits(session: Session, modules: PolicyModules, now: number): Limit[] {
  const limits: Limit[] = []
  session.permissions.forEach((permission, permissionIndex) => {
    const base = { permissionIndex, module: permission.policy, counterIndex: BigInt(permissionIndex) }
    try {
      if (evaluatesCallRules(permission.policy, modules)) {
        decodeCallPolicyConfig(permission.policyConfig).limits.forEach((limit, limitIndex) => {
          const token = limit.kind === 'param' && !same(permission.target, zeroAddress) ? { token: permission.target } : {}
          limits.push({ ...base, ...token, limitIndex, kind: limit.kind === 'param' ? 'amount' : limit.kind, max: limit.max, period: limit.period })
        })
      } else if (same(permission.policy, modules.erc20Policy)) {
        const config = decodeErc20PolicyConfig(permission.policyConfig)
        if (config.total !== 0n) limits.push({ ...base, token: permission.target, limitIndex: 0, kind: 'amount', max: config.total, period: 0 })
        if (config.perPeriod !== 0n) limits.push({ ...base, token: permission.target, limitIndex: 1, kind: 'amount', max: config.perPeriod, period: config.period })
      } else if (modules.streamPolicy !== undefined && same(permission.policy, modules.streamPolicy)) {
        const config = decodeStreamPolicyConfig(permission.policyConfig)
        const token = same(config.token, zeroAddress) ? {} : { token: config.token }
        const stream = { maxAmount: config.maxAmount, amountPerSecond: config.amountPerSecond }
        limits.push({ ...base, ...token, limitIndex: 0, kind: 'stream', max: streamAccrued(config, now), period: 0, stream })
      }
    } catch {
      // A malformed config: nothing to count.
    }
  })
  if (evaluatesGasRules(session.gasPolicy, modules)) {
    try {
      const config = decodeGasPolicyConfig(session.gasPolicyConfig)
      const base = { permissionIndex: 'gas' as const, module: session.gasPolicy, counterIndex: SESSION_LEVEL, kind: 'gas' as const }
      if (config.total !== 0n) limits.push({ ...base, limitIndex: 0, max: config.total, period: 0 })
      if (config.perPeriod !== 0n) limits.push({ ...base, limitIndex: 1, max: config.perPeriod, period: config.period })
    } catch {
      // As above.
    }
  }
  return limits
}

/**
 * True when a limit that never refills is used up: the session can no longer make the calls it counts (a
 * stream still accruing, or a periodic limit, refills; the gas total is not counted here).
 */
export function isAllowanceExhausted(allowance: SessionAllowance): boolean {
  if (allowance.kind === 'gas' || allowance.period !== 0 || allowance.remaining !== 0n) return false
  if (allowance.kind === 'stream') return allowance.max === allowance.stream!.maxAmount
  return true
}
