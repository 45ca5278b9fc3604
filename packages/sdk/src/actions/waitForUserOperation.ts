import { parseEventLogs, type Chain, type Client, type Hash, type Hex, type Transport } from 'viem'
import {
  entryPoint07Abi,
  getUserOperationReceipt,
  waitForUserOperationReceipt,
  WaitForUserOperationReceiptTimeoutError,
  type UserOperation,
  type UserOperationReceipt,
} from 'viem/account-abstraction'
import { UserOperationDroppedError, UserOperationRevertedError } from '../errors/userOperation.ts'
import { replayHandleOps } from '../userOperation/replayHandleOps.ts'

export type WaitForUserOperationParameters = {
  /** The userOp hash the bundler returned. */
  hash: Hash
  /** The signed userOp, if the caller has it: on a time-out it is replayed to tell why it was dropped. */
  userOperation?: UserOperation<'0.7'> | undefined
  /** A client of the chain (not the bundler: bundlers refuse `eth_call`) to replay the op on. */
  chainClient?: Client<Transport, Chain | undefined> | undefined
  /** How long to wait for inclusion. Default 30 s. */
  timeout?: number | undefined
  /** Polling interval in ms. Default 200. */
  pollingInterval?: number | undefined
}

export type WaitForUserOperationReturnType = UserOperationReceipt

/**
 * Waits until the userOp is included and its execution succeeded.
 *
 * - Not included in time: {@link UserOperationDroppedError}, with the bundler's status and, when the
 *   signed op is given, the EntryPoint's reason from replaying it now (e.g. "AA26 over verificationGasLimit").
 * - Included but the call reverted: {@link UserOperationRevertedError} with the revert data.
 *
 * @example
 * const hash = await bundlerClient.sendUserOperation({ calls })
 * const receipt = await waitForUserOperation(bundlerClient, { hash })
 */
export async function waitForUserOperation(
  bundlerClient: Client<Transport, Chain | undefined>,
  parameters: WaitForUserOperationParameters,
): Promise<WaitForUserOperationReturnType> {
  const { hash, userOperation, timeout = 30_000, pollingInterval = 200 } = parameters
  let receipt: UserOperationReceipt
  try {
    receipt = await waitForUserOperationReceipt(bundlerClient, { hash, timeout, pollingInterval })
  } catch (error) {
    if (!(error instanceof WaitForUserOperationReceiptTimeoutError)) throw error
    const status = await bundlerStatus(bundlerClient, hash)
    let verdict: string | undefined
    if (userOperation && parameters.chainClient) {
      try {
        const outcome = await replayHandleOps(parameters.chainClient, { userOperation })
        verdict = outcome.ok ? undefined : outcome.reason
        // AA25: the nonce moved on, so the op (or another with its nonce) may have landed just now.
        if (outcome.ok === false && outcome.code === 'AA25') {
          const late = await getUserOperationReceipt(bundlerClient, { hash }).catch(() => undefined)
          if (late) return late
        }
      } catch (replayError) {
        verdict = `(the replay itself failed: ${replayError instanceof Error ? replayError.message.split('\n')[0] : String(replayError)})`
      }
    } else {
      verdict = userOperation ? '(not replayed: no chain client given)' : '(not replayed: the signed userOp was not given)'
    }
    throw new UserOperationDroppedError(hash, verdict, status, { waitedMs: timeout, cause: error })
  }
  if (!receipt.success) {
    // The bundler's per-op `logs` may leave out the EntryPoint's own events; the transaction has them all.
    const reverts = parseEventLogs({ abi: entryPoint07Abi, eventName: 'UserOperationRevertReason', logs: receipt.receipt.logs })
    const revert = reverts.find((log) => log.args.userOpHash === hash)
    throw new UserOperationRevertedError(hash, receipt.receipt.transactionHash, revert?.args.revertReason as Hex | undefined)
  }
  return receipt
}

/** Alto's `pimlico_getUserOperationStatus`, when the bundler has it; undefined otherwise. */
async function bundlerStatus(client: Client<Transport, Chain | undefined>, hash: Hash): Promise<string | undefined> {
  try {
    const result = (await client.request({
      method: 'pimlico_getUserOperationStatus' as 'eth_chainId',
      params: [hash] as unknown as undefined,
    })) as unknown as { status?: string }
    return result.status
  } catch {
    return undefined
  }
}
