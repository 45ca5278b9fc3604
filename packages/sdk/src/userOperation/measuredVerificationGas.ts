import type { Address, Chain, Client, Hex, Transport } from 'viem'
import type { UserOperation, UserOperationRequest } from 'viem/account-abstraction'
import { sizeVerificationGas, type SizeVerificationGasParameters } from './sizeVerificationGas.ts'

/**
 * The `userOperation` hook of a viem smart account that sets verificationGasLimit by
 * {@link sizeVerificationGas} (the really signed op, replayed) instead of the bundler's estimate.
 * A limit already given is kept.
 */
export function measuredVerificationGas(
  client: Client<Transport, Chain | undefined>,
  sender: Address,
  sign: (userOperation: UserOperation<'0.7'>) => Promise<Hex>,
  explainRefusal?: SizeVerificationGasParameters['explainRefusal'],
) {
  return {
    async estimateGas(request: UserOperationRequest) {
      if (request.verificationGasLimit !== undefined) return undefined
      const verificationGasLimit = await sizeVerificationGas(client, {
        userOperation: { ...request, sender } as SizeVerificationGasParameters['userOperation'],
        sign,
        explainRefusal,
      })
      return { verificationGasLimit }
    },
  }
}
