import { isAddress, zeroAddress, type Address } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ANY_SELECTOR, type Permission } from '../sessions/session.ts'
import { encodeErc20PolicyConfig } from './erc20PolicyConfig.ts'

export type Erc20PolicyParameters = {
  /** The ERC-20 token contract. */
  token: Address
  /** Who may receive tokens or an allowance (`to` / `spender`). Default: anyone. At most 255. */
  recipients?: readonly Address[] | undefined
  /** Most tokens per call (in the token's smallest unit). Default: no cap. */
  perCall?: bigint | undefined
  /** Most tokens over the session's life, every function counted. Default: no cap. */
  total?: bigint | undefined
  /** Most tokens per period of `period` seconds (fixed windows from the epoch). Default: no cap. */
  perPeriod?: { max: bigint; period: number } | undefined
  /** The Erc20Policy module. Default: `latchkeyModules.erc20Policy`. */
  policy?: Address | undefined
}

const MAX_UINT32 = 0xffff_ffff

/**
 * A permission to move one ERC-20 token: `transfer`, `approve`, `increaseAllowance`, and `transferFrom` from
 * the account, checked by the Erc20Policy module (docs/policies.md §4). Every function counts its amount
 * against every cap, so an `approve` is no way around a limit. The permission's target is the token and its
 * selector `ANY_SELECTOR` (the policy decides the function); no native value.
 *
 * @example
 * erc20Policy({ token: usdc, recipients: [router], perCall: 100_000000n, perPeriod: { max: 500_000000n, period: 86_400 } })
 */
export function erc20Policy(parameters: Erc20PolicyParameters): Permission {
  const { token, recipients = [], perCall = 0n, total = 0n, perPeriod, policy = latchkeyModules.erc20Policy } = parameters
  if (!isAddress(token, { strict: false })) throw new InvalidParameterError('token', `${String(token)} is not an address`)
  // A zero target means any contract: an ERC-20 permission must name its token.
  if (token.toLowerCase() === zeroAddress) throw new InvalidParameterError('token', 'the zero address (it would mean any contract)')
  if (!isAddress(policy, { strict: false })) throw new InvalidParameterError('policy', `${String(policy)} is not an address`)
  amount(perCall, 'perCall')
  amount(total, 'total')
  if (perPeriod !== undefined) {
    amount(perPeriod.max, 'perPeriod.max')
    if (perPeriod.max === 0n) throw new InvalidParameterError('perPeriod.max', '0 means no cap: leave perPeriod out for none')
    if (!Number.isInteger(perPeriod.period) || perPeriod.period < 1 || perPeriod.period > MAX_UINT32) {
      throw new InvalidParameterError('perPeriod.period', `${perPeriod.period} is not a whole number of seconds from 1 to ${MAX_UINT32}`)
    }
  }
  if (recipients.length > 255) throw new InvalidParameterError('recipients', `${recipients.length} recipients: at most 255`)
  recipients.forEach((recipient, i) => {
    if (!isAddress(recipient, { strict: false })) throw new InvalidParameterError(`recipients[${i}]`, `${String(recipient)} is not an address`)
  })
  return {
    target: token,
    selector: ANY_SELECTOR,
    valueLimit: 0n,
    policy,
    policyConfig: encodeErc20PolicyConfig({
      perCall,
      total,
      perPeriod: perPeriod?.max ?? 0n,
      period: perPeriod?.period ?? 0,
      recipients,
    }),
  }
}

function amount(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value >= 1n << 256n) throw new InvalidParameterError(field, `${String(value)} is not a token amount (a uint256 bigint)`)
}
