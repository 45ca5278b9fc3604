import { mnemonicToAccount } from 'viem/accounts'
import { bytesToHex, type Address, type Hex } from 'viem'

/** anvil's default mnemonic: every account it derives starts with 10,000 ETH. Devnet only. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

export type TestKey = { address: Address; privateKey: Hex }

/** The private key anvil derives at `index` (m/44'/60'/0'/0/index). */
export function anvilKey(index: number): TestKey {
  const account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index })
  const privateKey = account.getHdKey().privateKey
  if (!privateKey) throw new Error(`no private key at index ${index}`)
  return { address: account.address, privateKey: bytesToHex(privateKey) }
}

/**
 * How the devnet uses anvil's keys: 0 deploys the contracts (and owns the factory's stake), 1 is Alto's
 * executor, 2 is Alto's utility key, 3–9 are handed out as funded test keys.
 */
export const devnetRoles = {
  deployer: 0,
  bundlerExecutor: 1,
  bundlerUtility: 2,
  firstTestKey: 3,
  testKeyCount: 7,
} as const
