import { isAddressEqual, type Address, type Hex } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'
import { toLatchkeyAccount, type ToLatchkeyAccountReturnType } from '@latchkey/sdk'
import type { ChainConnection } from './chain.ts'
import { UsageError } from '../support/errors.ts'
import { keyFromEnv } from '../support/keyFromEnv.ts'

/** The owner key, from the environment variable named by --owner-key-env (never from the command line). */
export function ownerKeyFromEnv(variable: string): PrivateKeyAccount {
  return keyFromEnv(variable, '--owner-key-env', "the owner's private key")
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
