import { getAddress, isAddress, type Abi, type Address } from 'viem'

/**
 * Wording helpers for {@link describeSession}: addresses by name, periods in words, durations.
 */

/** What a consent screen knows about an address: a name and, for contracts, an ABI. */
export type KnownContract = { name?: string | undefined; abi?: Abi | undefined }

/**
 * Names and ABIs of the addresses a session mentions, keyed case-insensitively, and the account.
 *
 * @example
 * new AddressBook({ [usdc]: { name: 'USDC' } }, account).value(usdc) // '0xA0b8…eB48 (USDC)'
 */
export class AddressBook {
  readonly #contracts = new Map<string, KnownContract>()
  readonly #account: string | undefined

  constructor(contracts: Readonly<Record<string, KnownContract>> = {}, account?: Address) {
    for (const [address, contract] of Object.entries(contracts)) {
      if (isAddress(address, { strict: false })) this.#contracts.set(address.toLowerCase(), contract)
    }
    this.#account = account?.toLowerCase()
  }

  /** The known name of `address`, if any. */
  name(address: Address): string | undefined {
    return this.#contracts.get(address.toLowerCase())?.name
  }

  /** The known ABI of `address`, if any. */
  abi(address: Address): Abi | undefined {
    return this.#contracts.get(address.toLowerCase())?.abi
  }

  /** Every known ABI (to name a selector on any contract). */
  abis(): Abi[] {
    return [...this.#contracts.values()].flatMap((c) => (c.abi ? [c.abi] : []))
  }

  isAccount(address: Address): boolean {
    return this.#account !== undefined && address.toLowerCase() === this.#account
  }

  /**
   * An address as a rule's value: `0xA0b8…eB48 (USDC)`, `the account (0x1234…abcd)`, or, when unknown, the
   * whole checksummed address (a shortened one could hide a look-alike address).
   */
  value(address: Address): string {
    if (this.isAccount(address)) return `the account (${shortAddress(address)})`
    const name = this.name(address)
    return name === undefined ? getAddress(address) : `${shortAddress(address)} (${name})`
  }

  /** An address as a contract: `USDC (0xA0b8…eB48)`, or the short address. */
  contract(address: Address): string {
    if (this.isAccount(address)) return `the account itself (${shortAddress(address)})`
    const name = this.name(address)
    return name === undefined ? shortAddress(address) : `${name} (${shortAddress(address)})`
  }
}

/**
 * `0xA0b8…eB48`: the checksummed address's first 4 and last 4 hex digits.
 *
 * @example
 * shortAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48') // '0xA0b8…eB48'
 */
export function shortAddress(address: Address): string {
  const checksummed = getAddress(address)
  return `${checksummed.slice(0, 6)}…${checksummed.slice(-4)}`
}

const units = [
  { seconds: 604_800, one: 'week', many: 'weeks' },
  { seconds: 86_400, one: 'day', many: 'days' },
  { seconds: 3_600, one: 'hour', many: 'hours' },
  { seconds: 60, one: 'minute', many: 'minutes' },
] as const

/**
 * A limit's period in words: `in total` (0), `per hour`, `per 2 days`, `per 90 seconds`.
 *
 * @example
 * formatPeriod(7_200) // 'per 2 hours'
 */
export function formatPeriod(period: number): string {
  if (period === 0) return 'in total'
  for (const unit of units) {
    if (period % unit.seconds === 0) {
      const count = period / unit.seconds
      return count === 1 ? `per ${unit.one}` : `per ${count} ${unit.many}`
    }
  }
  return period === 1 ? 'per second' : `per ${period} seconds`
}

/**
 * A duration in the largest whole units: `1 day`, `36 hours`, `90 seconds`.
 *
 * @example
 * formatDuration(86_400) // '1 day'
 */
export function formatDuration(seconds: number): string {
  for (const unit of units) {
    if (seconds >= unit.seconds && seconds % unit.seconds === 0) {
      const count = seconds / unit.seconds
      return `${count} ${count === 1 ? unit.one : unit.many}`
    }
  }
  if (seconds >= 172_800) return `about ${Math.round(seconds / 86_400)} days`
  if (seconds >= 7_200) return `about ${Math.round(seconds / 3_600)} hours`
  if (seconds >= 120) return `about ${Math.round(seconds / 60)} minutes`
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}

/**
 * A Unix time as an ISO date without milliseconds.
 *
 * @example
 * formatTime(1_800_000_000) // '2027-01-15T08:00:00Z'
 */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
