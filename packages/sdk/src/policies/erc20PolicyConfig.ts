import { getAddress, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { ConfigReader } from './configReader.ts'
import { ConfigWriter } from './configWriter.ts'
import type { Erc20PolicyConfig } from './policyTypes.ts'

/*
 * The Erc20Policy config format, docs/policies.md §4:
 *   perCall (32) ‖ total (32) ‖ perPeriod (32) ‖ period (4) ‖ recipientCount (1) ‖ recipient (20) × count
 */

/**
 * The bytes Erc20Policy reads for `config` (docs/policies.md §4). Throws {@link InvalidParameterError}
 * naming the first field that cannot be encoded (a cap that is not a uint256, a period that is not a
 * uint32, a per-period cap without a period, more than 255 recipients, a recipient that is not an address).
 */
export function encodeErc20PolicyConfig(config: Erc20PolicyConfig): Hex {
  const writer = new ConfigWriter()
    .uint(config.perCall, 32, 'config.perCall')
    .uint(config.total, 32, 'config.total')
    .uint(config.perPeriod, 32, 'config.perPeriod')
    .uint(config.period, 4, 'config.period')
  if (config.perPeriod !== 0n && config.period === 0) throw new InvalidParameterError('config.period', 'a per-period cap needs a period')
  writer.uint(config.recipients.length, 1, 'config.recipients (count)')
  config.recipients.forEach((recipient, i) => writer.address(recipient, `config.recipients[${i}]`))
  return writer.toHex()
}

/**
 * The structured form of Erc20Policy config bytes (recipients checksummed). Throws {@link PolicyConfigError}
 * where the contract reverts with `Erc20ConfigMalformed()`: not exactly `101 + 20 × count` bytes, or a
 * per-period cap without a period.
 */
export function decodeErc20PolicyConfig(config: Hex): Erc20PolicyConfig {
  const reader = new ConfigReader('Erc20Policy', config)
  const perCall = reader.uint(32, 'perCall')
  const total = reader.uint(32, 'total')
  const perPeriod = reader.uint(32, 'perPeriod')
  const period = reader.number(4, 'period')
  if (perPeriod !== 0n && period === 0) reader.fail('a per-period cap without a period', 64)
  const recipients = Array.from({ length: reader.number(1, 'the recipient count') }, () => getAddress(reader.bytes(20, 'a recipient')))
  reader.end('the last recipient')
  return { perCall, total, perPeriod, period, recipients }
}
