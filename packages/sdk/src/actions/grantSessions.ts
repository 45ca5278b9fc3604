import { latchkeyModules } from '../deployments.ts'
import { encodeFunctionData, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { readContract, getCode } from 'viem/actions'
import type { SmartAccount } from 'viem/account-abstraction'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { accountLayouts, resolveAccountLayout, type AccountLayout, type Erc7579AccountKind } from '../accounts/accountLayout.ts'
import { describeInstalledModule, erc7579ModuleConfigAbi, installedModule, type InstalledModuleAnswer } from '../erc7579/moduleConfig.ts'
import { UnsafeSessionError } from '../errors/session.ts'
import { typedDataScopeOf } from '../typedData/typedDataScope.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { assertSessionGasUsable } from '../sessions/assertSessionGasUsable.ts'
import { buildSessionTree } from '../sessions/merkleTree.ts'
import { misdirectedBuiltInPolicy } from '../sessions/policyModules.ts'
import { ANY_TARGET, type Session } from '../sessions/session.ts'
import { sessionDigest } from '../sessions/sessionEncoding.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { sendUserOperationAndWait, type SendUserOperationAndWaitParameters, type SendUserOperationAndWaitReturnType } from './sendUserOperationAndWait.ts'

type AnyClient = Client<Transport, Chain | undefined>

/** True when `manager` is installed on `account` as a validator (false for an account not yet deployed). */
export async function isSessionManagerInstalled(client: AnyClient, account: Address, manager: Address): Promise<boolean> {
  const code = await getCode(client, { address: account })
  if (!code || code === '0x') return false
  return readContract(client, { address: account, abi: erc7579ModuleConfigAbi, functionName: 'isModuleInstalled', args: [1n, manager, '0x'] })
}

/**
 * Refuses sessions that name the account, the manager or a module installed on the account as a target
 * ({@link UnsafeSessionError}). The manager refuses such calls on chain too; this says so earlier.
 */
export async function assertSafeSession(client: AnyClient, sessions: Session | readonly Session[], account: Address, manager: Address): Promise<void> {
  const deployed = ((await getCode(client, { address: account })) ?? '0x') !== '0x'
  const moduleTypes = new Map<string, Promise<InstalledModuleAnswer | undefined>>()
  for (const session of Array.isArray(sessions) ? sessions : [sessions as Session]) {
    const misdirected = misdirectedBuiltInPolicy(session, manager)
    if (misdirected === 'gas') {
      throw new InvalidParameterError(
        'gasPolicy',
        `it names the deterministic SessionKeyManager (built-in rules), but the session is for manager ${manager}: give gasPolicy({ policy: ${manager} }) or the GasPolicy module`,
      )
    }
    if (misdirected !== undefined) {
      throw new InvalidParameterError(
        `permissions[${misdirected}].policy`,
        `it names the deterministic SessionKeyManager (built-in rules), but the session is for manager ${manager}: give callPolicy({ policy: ${manager} }) or the CallPolicy module`,
      )
    }
    for (const [i, p] of session.permissions.entries()) {
      const target = p.target.toLowerCase()
      if (target === account.toLowerCase()) throw new UnsafeSessionError(i, p.target, 'it targets the account itself (its configuration)')
      if (target === manager.toLowerCase()) throw new UnsafeSessionError(i, p.target, 'it targets the session manager')
      if (target === ANY_TARGET || !deployed) continue
      // A typed-data permission names its signature module as target only to carry the scope: no call can use
      // it (the manager refuses calls to installed modules, and the module has no function of that selector).
      if (p.valueLimit === 0n && typedDataScopeOf(p, p.target) !== undefined) continue
      const key = `${target}/${p.selector.toLowerCase()}`
      if (!moduleTypes.has(key)) moduleTypes.set(key, installedModule(client, account, p.target, p.selector))
      const answer = await moduleTypes.get(key)
      if (answer !== undefined) throw new UnsafeSessionError(i, p.target, `it targets ${describeInstalledModule(answer)}`)
    }
  }
}

/**
 * The calls that install the manager (with `root` as its install data, in the account's own format: see
 * {@link AccountLayout}) or, if installed, set the root.
 */
export function sessionRootCalls(account: Address, manager: Address, root: Hex, installed: boolean, layout: AccountLayout = accountLayouts.erc7579) {
  return installed
    ? [{ to: manager, data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'setMerkleRoot', args: [root] }) }]
    : [{ to: account, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, layout.validatorInstallData(root)] }) }]
}

export type GrantSessionsParameters = {
  /** The owner's smart account (any ERC-7579 account whose owner path the bundler client can use). */
  account: SmartAccount
  manager: Address
  /**
   * Every session the account's root should hold after this call: the new root replaces the old one,
   * so sessions left out stop working. Keep the set in a session store.
   */
  sessions: readonly Session[]
  chainClient?: AnyClient | undefined
  /** Fees for the owner userOp, instead of the network's estimate. */
  fees?: SendUserOperationAndWaitParameters['fees']
  /**
   * Which ERC-7579 account this is, for the manager's install data (Kernel wraps it). Default: read from
   * the account's `accountId()`; an account not deployed yet is taken to have OpenZeppelin's layout.
   */
  accountKind?: Erc7579AccountKind | undefined
}

export type GrantSessionsReturnType = {
  grants: SessionGrant[]
  root: Hex
  receipt: SendUserOperationAndWaitReturnType
}

/**
 * Grants sessions by Merkle root in one owner userOp: installs the SessionKeyManager with the root if it is
 * not installed yet, else replaces the root. Returns one {@link SessionGrant} (with its proof) per session.
 * Refuses first, sending nothing, a session that names the account, the manager or an installed module
 * ({@link UnsafeSessionError}), and one whose gas policy cannot pay for an op at the chain's fees now
 * (`SessionGasBoundTooLowError`).
 *
 * @example
 * const { grants } = await grantSessions(bundlerClient, { account, manager, sessions: [session] })
 */
export async function grantSessions(
  bundlerClient: Parameters<typeof sendUserOperationAndWait>[0],
  parameters: GrantSessionsParameters,
): Promise<GrantSessionsReturnType> {
  const { account, manager, sessions } = parameters
  const client = (parameters.chainClient ?? account.client) as AnyClient
  await assertSafeSession(client, sessions, account.address, manager)
  await assertSessionGasUsable(client, sessions, { ...latchkeyModules, sessionKeyManager: manager })
  const digests = sessions.map(sessionDigest)
  const tree = buildSessionTree(digests)
  const installed = await isSessionManagerInstalled(client, account.address, manager)
  const receipt = await sendUserOperationAndWait(bundlerClient, {
    account,
    calls: sessionRootCalls(account.address, manager, tree.root, installed, await resolveAccountLayout(client, account.address, parameters.accountKind)),
    chainClient: client,
    fees: parameters.fees,
  })
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const grants = sessions.map((session, i) => ({
    chainId,
    account: account.address,
    manager,
    session,
    digest: digests[i]!,
    grant: { type: 'root' as const, root: tree.root, proof: tree.proof(digests[i]!) },
  }))
  return { grants, root: tree.root, receipt }
}
