import { LatchkeyError } from './LatchkeyError.ts'

/** The policy module whose config is read (docs/policies.md §3–§5). */
export type PolicyModule = 'CallPolicy' | 'Erc20Policy' | 'GasPolicy' | 'StreamPolicy'

/**
 * Policy config bytes that the module's contract would refuse as malformed (`CallPolicyConfigMalformed`,
 * `Erc20ConfigMalformed`, `GasPolicyConfigMalformed`): cut short, bytes left over, an unknown code, a bad width.
 */
export class PolicyConfigError extends LatchkeyError {
  override name = 'PolicyConfigError'
  constructor(
    readonly policy: PolicyModule,
    /** The byte of the config where the problem was found. */
    readonly offset: number,
    readonly problem: string,
  ) {
    super(`Malformed ${policy} config at byte ${offset}: ${problem}`)
  }
}
