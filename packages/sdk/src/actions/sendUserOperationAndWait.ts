import type { BaseError, Chain, Client, Hash, Transport } from 'viem'
import {
  formatUserOperationRequest,
  getUserOperationError,
  prepareUserOperation,
  type SmartAccount,
  type UserOperation,
} from 'viem/account-abstraction'
import type { Call } from '../erc7579/execution.ts'
import { userOperationFees } from '../userOperation/userOperationFees.ts'
import { waitForUserOperation, type WaitForUserOperationReturnType } from './waitForUserOperation.ts'

export type SendUserOperationAndWaitParameters = {
  account: SmartAccount
  calls: readonly Call[]
  /** A client of the chain, to replay a dropped op and say why. Default: the account's client. */
  chainClient?: Client<Transport, Chain | undefined> | undefined
  /** Nonce key to use instead of the account's own. */
  nonceKey?: bigint | undefined
  /**
   * Gas limits to use as given. When all three are set, nothing is estimated: the bundler then does not
   * simulate the execution before accepting the op.
   */
  gas?: { callGasLimit?: bigint; verificationGasLimit?: bigint; preVerificationGas?: bigint } | undefined
  /** Fees to use as given, instead of the network's estimate (benchmarks fix them so that signatures repeat). */
  /** Default: {@link userOperationFees} (the node's suggested priority fee, and room for the base fee to double). */
  fees?: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined
  timeout?: number | undefined
}

export type SendUserOperationAndWaitReturnType = WaitForUserOperationReturnType & {
  /** The signed userOp as it was sent. */
  userOperation: UserOperation<'0.7'>
}

/**
 * Prepares, signs and sends a userOp for `calls`, then waits for it with {@link waitForUserOperation}, so a
 * dropped op or a reverted call becomes a typed error that says why.
 *
 * @example
 * const { receipt, userOpHash } = await sendUserOperationAndWait(bundlerClient, {
 *   account,
 *   calls: [{ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, 1n] }) }],
 * })
 */
export async function sendUserOperationAndWait(
  bundlerClient: Client<Transport, Chain | undefined, SmartAccount | undefined>,
  parameters: SendUserOperationAndWaitParameters,
): Promise<SendUserOperationAndWaitReturnType> {
  const { account, calls, chainClient, timeout } = parameters
  const nonce = parameters.nonceKey === undefined ? undefined : await account.getNonce({ key: parameters.nonceKey })
  const fees = parameters.fees ?? (await userOperationFees(chainClient ?? (account.client as Client<Transport, Chain | undefined>)))
  const prepared = (await prepareUserOperation(bundlerClient, {
    account,
    calls,
    ...(nonce === undefined ? {} : { nonce }),
    ...parameters.gas,
    ...fees,
  })) as unknown as UserOperation<'0.7'>
  // An EIP-7702 account not yet delegated: viem prepared its authorization with a stand-in signature (for
  // the estimate); the owner signs it now, and the bundler sends it in a type-4 transaction.
  if (prepared.authorization && account.authorization) {
    const { address, chainId, nonce } = prepared.authorization
    prepared.authorization = await account.authorization.account.signAuthorization({ address, chainId, nonce })
  }
  const signature = await account.signUserOperation(prepared)
  const userOperation = { ...prepared, signature }
  // Sent as is: viem's sendUserOperation would prepare the op again (and re-run gas sizing) when the
  // client has an account, which would not match the signature.
  let hash: Hash
  try {
    hash = await bundlerClient.request(
      { method: 'eth_sendUserOperation', params: [formatUserOperationRequest(userOperation), account.entryPoint.address] },
      { retryCount: 0 },
    )
  } catch (error) {
    throw getUserOperationError(error as BaseError, { ...userOperation, calls })
  }
  const receipt = await waitForUserOperation(bundlerClient, {
    hash,
    userOperation,
    timeout,
    chainClient: chainClient ?? (account.client as Client<Transport, Chain | undefined>),
  })
  return { ...receipt, userOperation }
}
