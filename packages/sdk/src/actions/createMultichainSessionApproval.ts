import { concat, encodeAbiParameters, encodeFunctionData, hashTypedData, keccak256, type Address, type Chain, type Client, type Hex, type LocalAccount, type Transport } from 'viem'
import { getCode, readContract } from 'viem/actions'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { latchkeyModules } from '../deployments.ts'
import { erc7579ModuleConfigAbi } from '../erc7579/moduleConfig.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { assertSessionGasUsable } from '../sessions/assertSessionGasUsable.ts'
import { buildSessionTree } from '../sessions/merkleTree.ts'
import type { Session } from '../sessions/session.ts'
import { sessionDigest } from '../sessions/sessionEncoding.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { sessionApprovalTypedData } from './createSessionApproval.ts'
import { assertSafeSession } from './grantSessions.ts'

type AnyClient = Client<Transport, Chain | undefined>

/** One session to approve on one chain: a client of that chain, the account there, its manager, the session. */
export type MultichainSessionEntry = { client: AnyClient; account: Address; manager: Address; session: Session }

/** The EIP-712 typed data the owner signs once for all chains: MultichainApprovalValidator's `MultichainApproval`. */
export function multichainApprovalTypedData(root: Hex, module: Address = latchkeyModules.multichainApprovalValidator) {
  return {
    domain: { name: 'Latchkey Multichain Approval', version: '1', verifyingContract: module },
    types: { MultichainApproval: [{ name: 'root', type: 'bytes32' }] },
    primaryType: 'MultichainApproval',
    message: { root },
  } as const
}

/** The call (an owner userOp's) that installs MultichainApprovalValidator on `account` with `owner` as its key. */
export function multichainApprovalInstallCall(account: Address, owner: Address, module: Address = latchkeyModules.multichainApprovalValidator) {
  return { to: account, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, module, encodeAbiParameters([{ type: 'address' }], [owner])] }) }
}

/**
 * One owner signature approves sessions on several chains: each entry's `ApproveSession` hash (chain, manager,
 * account, epoch, session) becomes a leaf, the owner key signs the tree's root once (no chain in its domain),
 * and each chain's grant carries its proof. Each account must have MultichainApprovalValidator installed with
 * this owner key ({@link multichainApprovalInstallCall}) and the manager installed; a chain outside the entries
 * has no leaf, so no approval there. Checks each entry as `createSessionApproval` does. Show the owner the
 * entries (`describeSession` of each, and its chain): the wallet shows only a root.
 */
export async function createMultichainSessionApproval(parameters: {
  owner: LocalAccount
  entries: readonly MultichainSessionEntry[]
  module?: Address | undefined
}): Promise<SessionGrant[]> {
  const module = parameters.module ?? latchkeyModules.multichainApprovalValidator
  if (parameters.entries.length === 0) throw new InvalidParameterError('entries', 'nothing to approve')
  const prepared = await Promise.all(
    parameters.entries.map(async ({ client, account, manager, session }) => {
      await assertSafeSession(client, session, account, manager)
      await assertSessionGasUsable(client, session, { ...latchkeyModules, sessionKeyManager: manager })
      const deployed = ((await getCode(client, { address: account })) ?? '0x') !== '0x'
      const epoch = deployed ? await readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account] }) : 0n
      const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
      const hash = hashTypedData(sessionApprovalTypedData(chainId, manager, account, epoch, session))
      const leaf = keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'bytes32' }], [BigInt(chainId), account, manager, hash]))
      return { chainId, account, manager, session, epoch, leaf }
    }),
  )
  const tree = buildSessionTree(prepared.map((p) => p.leaf))
  const signature = await parameters.owner.signTypedData(multichainApprovalTypedData(tree.root, module))
  return prepared.map(({ chainId, account, manager, session, epoch, leaf }) => ({
    chainId,
    account,
    manager,
    session,
    digest: sessionDigest(session),
    grant: { type: 'approval', epoch, approval: concat([module, encodeAbiParameters([{ type: 'bytes32[]' }, { type: 'bytes' }], [tree.proof(leaf), signature])]) },
  }))
}
