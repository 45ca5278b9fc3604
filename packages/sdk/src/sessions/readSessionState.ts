import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Chain, type Client, type Hex, type Transport } from 'viem'
import { getBlock, readContract, simulateContract } from 'viem/actions'
import { sessionKeyManagerAbi, usageLimitPolicyAbi } from '@latchkey/contracts'
import { installedModuleType } from '../erc7579/moduleConfig.ts'
import type { SessionChainState } from './checkSessionCalls.ts'
import type { SessionGrant } from './sessionGrant.ts'

const policyAbi = [
  {
    type: 'function',
    name: 'checkCall',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'account', type: 'address' },
      { name: 'sessionDigest', type: 'bytes32' },
      { name: 'permissionIndex', type: 'uint256' },
      { name: 'target', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'data', type: 'bytes' },
      { name: 'config', type: 'bytes' },
    ],
    outputs: [{ type: 'uint256' }],
  },
] as const

/** How the next userOp of this session must prove its grant: with the proof, the approval, or the record. */
export type SessionMode = 'root' | 'enable' | 'recorded'

export type SessionState = SessionChainState & { mode: SessionMode; epoch: bigint }

/**
 * Reads what the checks need from the chain: the latest block's time, the manager's root, epoch and record
 * for the session, and (lazily) installed modules and policy verdicts. Policies are evaluated by calling
 * them with `eth_call` from the manager's address, so the verdict is the one the chain would give now.
 */
export async function readSessionState(client: Client<Transport, Chain | undefined>, grant: SessionGrant): Promise<SessionState> {
  const { account, manager, digest } = grant
  const [block, record, epoch, root] = await Promise.all([
    getBlock(client, { blockTag: 'latest' }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'sessionRecord', args: [account, digest] }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account] }),
    readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'merkleRoot', args: [account] }),
  ])
  const [status, current] = record
  let stateGrant: SessionChainState['grant'] = 'not-granted'
  let mode: SessionMode = grant.grant.type === 'root' ? 'root' : 'enable'
  if (status === 2) stateGrant = 'revoked'
  else if (grant.grant.type === 'root') stateGrant = root.toLowerCase() === grant.grant.root.toLowerCase() ? 'granted' : 'not-granted'
  else if (status === 1 && current) {
    stateGrant = 'granted'
    mode = 'recorded'
  } else stateGrant = grant.grant.epoch === epoch ? 'granted' : 'not-granted'

  return {
    now: Number(block.timestamp),
    grant: stateGrant,
    mode,
    epoch,
    async isInstalledModule(address, selector) {
      return (await installedModuleType(client, account, address, selector)) !== undefined
    },
    async checkPolicy(permissionIndex, call) {
      const permission = grant.session.permissions[permissionIndex]!
      try {
        await simulateContract(client, {
          address: permission.policy,
          abi: policyAbi,
          functionName: 'checkCall',
          args: [account, digest, BigInt(permissionIndex), call.to, call.value, call.data, permission.policyConfig],
          account: manager,
        })
        return undefined
      } catch (error) {
        const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
        const data = reverted instanceof ContractFunctionRevertedError ? (reverted.raw as Hex | undefined) : undefined
        if (!data) return error instanceof Error ? error.message.split('\n')[0] : String(error)
        try {
          const decoded = decodeErrorResult({ abi: usageLimitPolicyAbi, data })
          return `${decoded.errorName}(${(decoded.args ?? []).join(', ')})`
        } catch {
          return `reverted with ${data}`
        }
      }
    },
  }
}
