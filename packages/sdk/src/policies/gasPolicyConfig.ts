import { getAddress, zeroAddress, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ConfigReader } from './configReader.ts'
import { ConfigWriter } from './configWriter.ts'
import type { GasPolicyConfig, PaymasterMode } from './policyTypes.ts'

/*
 * The GasPolicy config format, docs/policies.md §5:
 *   maxFeePerGas (16) ‖ maxGasLimit (16) ‖ total (16) ‖ perPeriod (16) ‖ period (4) ‖
 *   paymasterMode (1) ‖ paymasterCount (1) ‖ paymaster (20) × count
 */

/** Paymaster mode codes 0–3, in order. */
const paymasterModes: readonly PaymasterMode[] = ['any', 'none', 'noneOrListed', 'listed']

/**
 * The bytes GasPolicy reads for `config` (docs/policies.md §5). Throws {@link InvalidParameterError} naming
 * the first field that cannot be encoded: a bound that is not a uint128, a period that is not a uint32, a
 * per-period bound without a period, an unknown mode, paymasters listed for mode `any` or `none` (they would
 * be ignored), mode `listed` without a paymaster (no op could pass), the zero address listed (zero means
 * "no paymaster"), more than 255 paymasters.
 */
export function encodeGasPolicyConfig(config: GasPolicyConfig): Hex {
  const writer = new ConfigWriter()
    .uint(config.maxFeePerGas, 16, 'config.maxFeePerGas')
    .uint(config.maxGasLimit, 16, 'config.maxGasLimit')
    .uint(config.total, 16, 'config.total')
    .uint(config.perPeriod, 16, 'config.perPeriod')
    .uint(config.period, 4, 'config.period')
  if (config.perPeriod !== 0n && config.period === 0) throw new InvalidParameterError('config.period', 'a per-period bound needs a period')
  const mode = paymasterModes.indexOf(config.paymasterMode)
  if (mode < 0) throw new InvalidParameterError('config.paymasterMode', `unknown mode ${String(config.paymasterMode)}`)
  const listing = config.paymasterMode === 'noneOrListed' || config.paymasterMode === 'listed'
  if (!listing && config.paymasters.length > 0) {
    throw new InvalidParameterError('config.paymasters', `mode '${config.paymasterMode}' uses no list: use 'noneOrListed' or 'listed'`)
  }
  if (config.paymasterMode === 'listed' && config.paymasters.length === 0) {
    throw new InvalidParameterError('config.paymasters', "mode 'listed' needs at least one paymaster")
  }
  writer.uint(mode, 1, 'config.paymasterMode').uint(config.paymasters.length, 1, 'config.paymasters (count)')
  config.paymasters.forEach((paymaster, i) => {
    writer.address(paymaster, `config.paymasters[${i}]`)
    if (paymaster.toLowerCase() === zeroAddress) throw new InvalidParameterError(`config.paymasters[${i}]`, "the zero address means no paymaster: use mode 'noneOrListed'")
  })
  return writer.toHex()
}

/**
 * The structured form of GasPolicy config bytes (paymasters checksummed). Throws {@link PolicyConfigError}
 * where the contract reverts with `GasPolicyConfigMalformed()`: not exactly `70 + 20 × count` bytes, an
 * unknown mode, or a per-period bound without a period.
 */
export function decodeGasPolicyConfig(config: Hex): GasPolicyConfig {
  const reader = new ConfigReader('GasPolicy', config)
  const maxFeePerGas = reader.uint(16, 'maxFeePerGas')
  const maxGasLimit = reader.uint(16, 'maxGasLimit')
  const total = reader.uint(16, 'total')
  const perPeriod = reader.uint(16, 'perPeriod')
  const period = reader.number(4, 'period')
  if (perPeriod !== 0n && period === 0) reader.fail('a per-period bound without a period', 48)
  const code = reader.number(1, 'the paymaster mode')
  const paymasterMode = paymasterModes[code] ?? reader.fail(`unknown paymaster mode ${code}`, 68)
  const paymasters = Array.from({ length: reader.number(1, 'the paymaster count') }, () => getAddress(reader.bytes(20, 'a paymaster')))
  reader.end('the last paymaster')
  return { maxFeePerGas, maxGasLimit, total, perPeriod, period, paymasterMode, paymasters }
}
