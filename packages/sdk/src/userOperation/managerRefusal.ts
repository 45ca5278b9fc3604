import { encodeFunctionData, type Address, type Chain, type Client, type Transport } from 'viem'
import { entryPoint07Address, getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { call } from 'viem/actions'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { describeRevert, revertData } from './replayHandleOps.ts'

/**
 * The SessionKeyManager's own verdict on a signed userOp, asked directly: `validateUserOp(op, userOpHash)`
 * as an `eth_call` from the account's address (the manager knows its caller only as msg.sender). Some
 * accounts hide a validator's revert from the EntryPoint — Safe7579 calls validators through the Safe and
 * the EntryPoint then says only `AA23 reverted 0xacfdb444` (`ExecutionFailed()`) — so the rule is read here.
 * Returns the rule (`SessionTargetForbidden(0, 0x…)`), `'valid'`, `'signature invalid'`, or undefined when
 * the call fails without a decodable reason. Changes nothing on chain.
 */
export async function managerRefusalReason(
  client: Client<Transport, Chain | undefined>,
  { manager, userOperation }: { manager: Address; userOperation: UserOperation<'0.7'> },
): Promise<string | undefined> {
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const userOpHash = getUserOperationHash({ userOperation, chainId, entryPointAddress: entryPoint07Address, entryPointVersion: '0.7' })
  try {
    const { data } = await call(client, {
      account: userOperation.sender,
      to: manager,
      data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'validateUserOp', args: [toPackedUserOperation(userOperation), userOpHash] }),
    })
    if (!data || data.length < 66) return undefined
    return BigInt(data.slice(0, 66)) & ((1n << 160n) - 1n) ? 'signature invalid' : 'valid'
  } catch (error) {
    return describeRevert(revertData(error))
  }
}
