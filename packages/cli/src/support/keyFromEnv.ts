import { isHex, size, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { UsageError } from './errors.ts'

/**
 * A private key read from the environment variable the user named (`option`, e.g. --owner-key-env): a key
 * given on the command line would be kept in shell history and shown in process listings. Messages never
 * repeat it. `what` says whose key it is ("the owner's private key").
 */
export function keyFromEnv(variable: string, option: string, what: string): PrivateKeyAccount & { privateKey: Hex } {
  const value = process.env[variable]?.trim()
  if (!value) throw new UsageError(`the environment variable ${variable} (${option}) is not set: it must hold ${what}`)
  const key = (value.startsWith('0x') ? value : `0x${value}`) as Hex
  if (!isHex(key, { strict: true }) || size(key) !== 32) throw new UsageError(`the environment variable ${variable} does not hold a private key (32 bytes of hex)`)
  try {
    return Object.assign(privateKeyToAccount(key), { privateKey: key })
  } catch {
    throw new UsageError(`the environment variable ${variable} does not hold a valid secp256k1 private key`)
  }
}
