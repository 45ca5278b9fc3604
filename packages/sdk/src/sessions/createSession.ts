import { bytesToHex, pad, toFunctionSelector, zeroAddress, type Abi, type AbiFunction, type Address, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import type { GasPolicyReturnType } from '../policies/gasPolicy.ts'
import { DEFAULT_SESSION_GAS_BOUNDS, defaultSessionGas } from '../policies/sessionGasDefaults.ts'
import type { SessionSigner } from '../signers/sessionSigner.ts'
import { resolvePermissionTarget, type PermissionTarget } from './anyTarget.ts'
import { ECDSA_SIGNER, EMPTY_CALLDATA, assertValidSession, type Permission, type Session } from './session.ts'

export type PermissionParameters = {
  /**
   * The contract; or `'any'`: any address, for plain transfers only (no function); or `'any-unsafe'`: any
   * address with a function, an explicit opt-in (it can reach a fallback handler installed on the account
   * for another function, and every token the account holds: see `resolvePermissionTarget`). Never the
   * account, the manager or a module the account says is installed.
   */
  target: PermissionTarget
  /** Most native value per call, in wei. Default 0. */
  valueLimit?: bigint | undefined
  /** An optional policy module and its config. */
  policy?: { address: Address; config: Hex } | undefined
} & (
  | { abi: Abi; functionName: string; selector?: undefined }
  | { selector: Hex; abi?: undefined; functionName?: undefined }
  /** No function: plain transfers with empty calldata only. */
  | { abi?: undefined; functionName?: undefined; selector?: undefined }
)

/**
 * A permission for one function of one contract (or plain transfers, without `functionName`).
 *
 * @example
 * permission({ target: game, abi: gameAbi, functionName: 'move' })
 * permission({ target: 'any', valueLimit: parseEther('0.01') }) // pay anyone up to 0.01 ETH per call
 * permission({ target: 'any-unsafe', selector: '0x06661abd' }) // count() on any contract: an explicit opt-in
 */
export function permission(parameters: PermissionParameters): Permission {
  let selector: Hex = EMPTY_CALLDATA
  if (parameters.abi) {
    const candidates = parameters.abi.filter((item): item is AbiFunction => item.type === 'function' && item.name === parameters.functionName)
    if (candidates.length === 0) throw new InvalidParameterError('functionName', `${parameters.functionName} is not in the ABI`)
    if (candidates.length > 1) {
      throw new InvalidParameterError('functionName', `${parameters.functionName} is overloaded in the ABI; pass its selector instead`)
    }
    selector = toFunctionSelector(candidates[0]!)
  } else if (parameters.selector) selector = parameters.selector
  return {
    target: resolvePermissionTarget(parameters.target, selector),
    selector,
    valueLimit: parameters.valueLimit ?? 0n,
    policy: parameters.policy?.address ?? zeroAddress,
    policyConfig: parameters.policy?.config ?? '0x',
  }
}

export type CreateSessionParameters = {
  /**
   * The session signer: an ECDSA key's address (held by the dApp, bot or agent), or a {@link SessionSigner}'s
   * verifier and key (e.g. a FROST group: `frostSessionSigner(...)`).
   */
  signer: Address | Pick<SessionSigner, 'verifier' | 'key'>
  permissions: readonly Permission[]
  /** Unix seconds; default: now. */
  validAfter?: number | undefined
  /** Unix seconds; required unless `validFor` is given. 0 = no expiry (not recommended). */
  validUntil?: number | undefined
  /** Seconds from `validAfter` (or now); an alternative to `validUntil`. */
  validFor?: number | undefined
  /**
   * Default: 8 random bytes (as a bytes32, zeros first), so that the same permissions granted twice are two
   * sessions. The encoding carries a salt from its first non-zero byte: 8 bytes instead of 32 in every use.
   */
  salt?: Hex | undefined
  /**
   * Bounds on what the session's userOps may cost the account: a `gasPolicy(...)` (or `await
   * sessionGasBounds(client)`). Default: {@link DEFAULT_SESSION_GAS_BOUNDS} (a fee cap, a total and a gas-limit
   * cap). `'unbounded'` opts out (no gas policy: the session's holder, as its own bundler, can spend the
   * account's ETH on fees; describeSession says so in a WARNING line).
   */
  gas?: GasPolicyReturnType | 'unbounded' | undefined
}

/**
 * A session, checked for encodability. Unless `gas` says otherwise it bounds what its userOps may cost the
 * account ({@link DEFAULT_SESSION_GAS_BOUNDS}).
 */
export function createSession(parameters: CreateSessionParameters): Session {
  const now = Math.floor(Date.now() / 1000)
  const validAfter = parameters.validAfter ?? 0
  let validUntil: number
  if (parameters.validUntil !== undefined) validUntil = parameters.validUntil
  else if (parameters.validFor !== undefined) validUntil = Math.max(validAfter, now) + parameters.validFor
  else throw new InvalidParameterError('validUntil', 'give validUntil or validFor: a session should end')
  const gas = parameters.gas ?? defaultSessionGas()
  if (gas !== 'unbounded' && (typeof gas !== 'object' || gas === null || typeof gas.policy !== 'string' || typeof gas.config !== 'string')) {
    throw new InvalidParameterError('gas', "expected gasPolicy(...), sessionGasBounds(...) or 'unbounded'")
  }
  const session: Session = {
    signerVerifier: typeof parameters.signer === 'string' ? ECDSA_SIGNER : parameters.signer.verifier,
    signer: typeof parameters.signer === 'string' ? parameters.signer : parameters.signer.key,
    validAfter,
    validUntil,
    permissions: parameters.permissions,
    gasPolicy: gas === 'unbounded' ? zeroAddress : gas.policy,
    gasPolicyConfig: gas === 'unbounded' ? '0x' : gas.config,
    salt: parameters.salt ?? pad(bytesToHex(crypto.getRandomValues(new Uint8Array(8))), { size: 32 }),
  }
  assertValidSession(session)
  return session
}
