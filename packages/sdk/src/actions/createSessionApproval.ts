import { latchkeyModules } from '../deployments.ts'
import { type Address, type Chain, type Client, type Hex, type Transport, type TypedDataDefinition } from 'viem'
import { getCode, readContract } from 'viem/actions'
import type { SmartAccount } from 'viem/account-abstraction'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import type { Session } from '../sessions/session.ts'
import { sessionDigest, sessionManagerDomain, sessionTypes } from '../sessions/sessionEncoding.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { assertSessionGasUsable } from '../sessions/assertSessionGasUsable.ts'
import { assertSafeSession } from './grantSessions.ts'

type AnyClient = Client<Transport, Chain | undefined>

export type SessionApprovalTypedData = TypedDataDefinition<typeof sessionTypes, 'ApproveSession'>

/** The EIP-712 typed data an owner signs to approve `session` for `account` (readable in a wallet). */
export function sessionApprovalTypedData(chainId: number, manager: Address, account: Address, epoch: bigint, session: Session): SessionApprovalTypedData {
  return {
    domain: sessionManagerDomain(chainId, manager),
    types: sessionTypes,
    primaryType: 'ApproveSession',
    message: { account, epoch, session: session as never },
  }
}

export type CreateSessionApprovalParameters = {
  /** The owner's smart account; its `signTypedData` must produce a signature its ERC-1271 accepts. */
  account: SmartAccount
  manager: Address
  session: Session
  chainClient?: AnyClient | undefined
  /** For accounts whose smart-account object cannot sign typed data: returns the ERC-1271 signature. */
  signApproval?: ((typedData: SessionApprovalTypedData) => Promise<Hex>) | undefined
}

/**
 * The owner approves a session off chain: no transaction. The approval is an EIP-712 `ApproveSession`
 * bound to the account, the chain, the manager and the account's current epoch, signed through the
 * account's ERC-1271 (on LatchkeyAccount: ERC-7739). The session's first userOp carries it and the manager
 * records the session. Revoking the session, or all sessions, makes the approval unusable.
 *
 * The manager must be installed on the account (once) for its sessions to be used. Refuses, like
 * `grantSessions`, unsafe targets and a gas policy that cannot pay for an op at the chain's fees now.
 */
export async function createSessionApproval(parameters: CreateSessionApprovalParameters): Promise<SessionGrant> {
  const { account, manager, session } = parameters
  const client = (parameters.chainClient ?? account.client) as AnyClient
  await assertSafeSession(client, session, account.address, manager)
  await assertSessionGasUsable(client, session, { ...latchkeyModules, sessionKeyManager: manager })
  const deployed = ((await getCode(client, { address: account.address })) ?? '0x') !== '0x'
  const epoch = deployed ? await readContract(client, { address: manager, abi: sessionKeyManagerAbi, functionName: 'epoch', args: [account.address] }) : 0n
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const typedData = sessionApprovalTypedData(chainId, manager, account.address, epoch, session)
  const approval = parameters.signApproval ? await parameters.signApproval(typedData) : await account.signTypedData(typedData as never)
  return { chainId, account: account.address, manager, session, digest: sessionDigest(session), grant: { type: 'approval', epoch, approval } }
}
