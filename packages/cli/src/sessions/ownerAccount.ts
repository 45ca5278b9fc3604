import { isAddressEqual, isHex, size, type Address, type Hex } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { toLatchkeyAccount, type ToLatchkeyAccountReturnType } from '@latchkey/sdk'
import type { ChainConnection } from './chain.ts'
import { UsageError } from '../support/errors.ts'

/**
 * The owner key, read from the environment variable the user named (--owner-key-env): a key given on the
 * command line would be kept in shell history and shown in process listings. Messages never repeat it.
 */
export function ownerKeyFromEnv(variable: string): PrivateKeyAccount {
  const value = process.env[variable]?.trim()
  if (!value) throw new UsageError(`the environment variable ${variable} (--owner-key-env) is not set: it must hold the owner's private key`)
  const key = (value.startsWith('0x') ? value : `0x${value}`) as Hex
  if (!isHex(key, { strict: true }) || size(key) !== 32) throw new UsageError(`the environment variable ${variable} does not hold a private key (32 bytes of hex)`)
  try {
    return privateKeyToAccount(key)
  } catch {
    throw new UsageError(`the environment variable ${variable} does not hold a valid secp256k1 private key`)
  }
}

export type OwnerAccountParameters = { chain: ChainConnection; owner: PrivateKeyAccount; factory: Address; salt: bigint | Hex; expected: Address; keyVariable: string }

/**
 * The owner's viem SmartAccount of a LatchkeyAccount (the SDK's toLatchkeyAccount), checked to be the
 * account the command acts on: the key, the factory and the salt together fix the address, so a mismatch
 * means one of them is wrong, and nothing is signed.
 */
export async function ownerLatchkeyAccount({ chain, owner, factory, salt, expected, keyVariable }: OwnerAccountParameters): Promise<ToLatchkeyAccountReturnType> {
  let account: ToLatchkeyAccountReturnType
  try {
    account = await toLatchkeyAccount({ client: chain.client, owner, factory, salt })
  } catch {
    // toLatchkeyAccount reads the factory's implementation(); anything else at that address fails there.
    throw new UsageError(`${factory} is not a LatchkeyAccountFactory on chain ${chain.chainId} (--factory)`)
  }
  if (!isAddressEqual(account.address, expected)) {
    throw new UsageError(`the owner key in ${keyVariable} with factory ${factory} and salt ${salt} gives the account ${account.address}, not ${expected}: check the key, --factory and --salt`)
  }
  return account
}
