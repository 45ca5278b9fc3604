import { parseAbiItem, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from 'viem'
import { getLogs, readContract } from 'viem/actions'
import { entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'

const userOperationEvent = parseAbiItem('event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)')
const revertReasonEvent = parseAbiItem('event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason)')

/** The op that used a nonce: its hash, whether its calls succeeded, its transaction and gas, and the revert data when they did not. */
export type LandedOp = { userOpHash: Hash; success: boolean; txHash: Hash; gasUsed: bigint; revertReason?: Hex | undefined }

/**
 * Which op the EntryPoint ran with `sender`'s `nonce`, searched from `fromBlock` (its UserOperationEvent: the
 * sender is indexed, the nonce is not), or undefined when none has yet. Whichever op it was, a run's or
 * another's, the chain says so: the runner never guesses from its own records.
 */
export async function findOpByNonce(client: Client<Transport, Chain | undefined>, sender: Address, nonce: bigint, fromBlock: bigint): Promise<LandedOp | undefined> {
  const logs = await getLogs(client, { address: entryPoint07Address, event: userOperationEvent, args: { sender }, fromBlock, toBlock: 'latest' })
  const log = logs.find((l) => l.args.nonce === nonce)
  if (!log) return undefined
  const landed: LandedOp = { userOpHash: log.args.userOpHash!, success: log.args.success!, txHash: log.transactionHash!, gasUsed: log.args.actualGasUsed! }
  if (landed.success) return landed
  const reverts = await getLogs(client, { address: entryPoint07Address, event: revertReasonEvent, args: { userOpHash: landed.userOpHash }, fromBlock: log.blockNumber!, toBlock: log.blockNumber! })
  return { ...landed, revertReason: reverts[0]?.args.revertReason }
}

/** Whether the EntryPoint has moved past `nonce` for `sender` (some op used it). */
export async function isNonceUsed(client: Client<Transport, Chain | undefined>, sender: Address, nonce: bigint): Promise<boolean> {
  const next = await readContract(client, { address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getNonce', args: [sender, nonce >> 64n] })
  return next > nonce
}
