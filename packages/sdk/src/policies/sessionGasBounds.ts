import type { Chain, Client, Transport } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { chainFees } from './chainFees.ts'
import { gasPolicy, type GasPolicyParameters, type GasPolicyReturnType } from './gasPolicy.ts'
import { DEFAULT_SESSION_GAS_BOUNDS } from './sessionGasDefaults.ts'

export type SessionGasBoundsParameters = Omit<GasPolicyParameters, 'maxFeePerGas'> & {
  /** The fee cap is this multiple of the chain's current base fee + priority fee. Default {@link DEFAULT_FEE_MULTIPLIER}. */
  feeMultiplier?: number | undefined
}

/**
 * The default multiple of the current fee: the base fee can rise 12.5% a block, so 3× holds through about nine
 * full blocks in a row and an ordinary day's swings; beyond it, ops wait for fees to fall.
 */
export const DEFAULT_FEE_MULTIPLIER = 3

/**
 * A session gas policy whose fee cap is derived from the chain: `feeMultiplier` × (the latest base fee + the
 * node's priority fee), with {@link DEFAULT_SESSION_GAS_BOUNDS}' total and gas-limit cap unless given.
 *
 * @example
 * createSession({ signer, validFor: 3600, permissions, gas: await sessionGasBounds(client, { total: parseEther('0.2') }) })
 */
export async function sessionGasBounds(client: Client<Transport, Chain | undefined>, parameters: SessionGasBoundsParameters = {}): Promise<GasPolicyReturnType> {
  const { feeMultiplier = DEFAULT_FEE_MULTIPLIER, ...rest } = parameters
  if (typeof feeMultiplier !== 'number' || !Number.isFinite(feeMultiplier) || feeMultiplier < 1) {
    throw new InvalidParameterError('feeMultiplier', `${String(feeMultiplier)} is not a number ≥ 1 (a cap below today's fee makes the session unusable)`)
  }
  const { neededFeePerGas } = await chainFees(client)
  const maxFeePerGas = (neededFeePerGas * BigInt(Math.round(feeMultiplier * 1000))) / 1000n
  return gasPolicy({
    ...rest,
    maxGasLimit: rest.maxGasLimit ?? DEFAULT_SESSION_GAS_BOUNDS.maxGasLimit,
    total: rest.total ?? DEFAULT_SESSION_GAS_BOUNDS.total,
    paymaster: rest.paymaster ?? DEFAULT_SESSION_GAS_BOUNDS.paymaster,
    maxFeePerGas,
  })
}
