import { formatEther, formatGwei, type Chain, type Client, type Transport } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { SessionGasBoundTooLowError } from '../errors/session.ts'
import { chainFees, type ChainFees } from '../policies/chainFees.ts'
import { decodeGasPolicyConfig } from '../policies/gasPolicyConfig.ts'
import type { GasPolicyConfig } from '../policies/policyTypes.ts'
import { evaluatesGasRules, type PolicyModules } from './policyModules.ts'
import type { Session } from './session.ts'
import { sessionDigest } from './sessionEncoding.ts'

/**
 * The least gas a session userOp reserves (its gas limits summed), for the check that a total can pay for one
 * op: a steady one-call session op on LatchkeyAccount reserves about this much (verification measured with its
 * margins, call, preVerificationGas). A total below one such op's prefund can never be used.
 */
export const MIN_SESSION_OP_GAS = 250_000n

/**
 * Throws {@link SessionGasBoundTooLowError} for the first session whose GasPolicy rules (the GasPolicy module
 * or the manager's built-in ones, as `modules` names them; default the deterministic ones) cannot pay for an
 * op at the chain's fees now: a fee cap below the base fee + priority fee, or (when the account may pay) a
 * total or per-period bound below {@link MIN_SESSION_OP_GAS} at that fee. Sessions without a gas policy, with another module, or with a malformed config are not judged
 * here (describeSession warns; the check before signing refuses a malformed one).
 */
export async function assertSessionGasUsable(
  client: Client<Transport, Chain | undefined>,
  sessions: Session | readonly Session[],
  modules: PolicyModules = latchkeyModules,
): Promise<void> {
  const list: readonly Session[] = Array.isArray(sessions) ? sessions : [sessions as Session]
  const judged = list.flatMap((session) => {
    if (!evaluatesGasRules(session.gasPolicy, modules)) return []
    try {
      return [{ session, config: decodeGasPolicyConfig(session.gasPolicyConfig) }]
    } catch {
      return []
    }
  })
  if (judged.length === 0) return
  const fees = await chainFees(client)
  for (const { session, config } of judged) {
    const refusal = gasRefusal(config, fees)
    if (refusal) throw new SessionGasBoundTooLowError(sessionDigest(session), refusal.bound, refusal.limit, refusal.needed, refusal.reason)
  }
}

function gasRefusal(config: GasPolicyConfig, fees: ChainFees) {
  const need = fees.neededFeePerGas
  const now = fees.baseFeePerGas === undefined ? `the gas price ${formatGwei(need)} gwei` : `${formatGwei(need)} gwei (base fee ${formatGwei(fees.baseFeePerGas)} + priority fee ${formatGwei(fees.maxPriorityFeePerGas)})`
  if (config.maxFeePerGas !== 0n && config.maxFeePerGas < need) {
    return { bound: 'maxFeePerGas' as const, limit: config.maxFeePerGas, needed: need, reason: `its fee cap is ${formatGwei(config.maxFeePerGas)} gwei per gas, and an op must offer ${now} now` }
  }
  if (config.paymasterMode === 'listed') return undefined // a paymaster always pays: the account's totals are never used
  const oneOp = MIN_SESSION_OP_GAS * need
  for (const bound of ['total', 'perPeriod'] as const) {
    const limit = config[bound]
    if (limit !== 0n && limit < oneOp) {
      return { bound, limit, needed: oneOp, reason: `its ${bound === 'total' ? 'total' : 'per-period bound'} of ${formatEther(limit)} ETH is below one op's prefund at ${now}: ${MIN_SESSION_OP_GAS} gas × that fee = ${formatEther(oneOp)} ETH` }
    }
  }
  return undefined
}
