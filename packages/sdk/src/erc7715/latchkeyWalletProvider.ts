import { erc20Abi, numberToHex, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import type { SmartAccount } from 'viem/account-abstraction'
import { getBlock } from 'viem/actions'
import { createSessionApproval, type CreateSessionApprovalParameters } from '../actions/createSessionApproval.ts'
import type { Erc7579AccountKind } from '../accounts/accountLayout.ts'
import { getSessionAllowances, isAllowanceExhausted, type SessionAllowance } from '../actions/getSessionAllowances.ts'
import { getSessionStatus, type SessionStatus } from '../actions/getSessionStatus.ts'
import { assertSafeSession, grantSessions, isSessionManagerInstalled } from '../actions/grantSessions.ts'
import { UnsafeSessionError } from '../errors/session.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { revokeSessions } from '../actions/revokeSessions.ts'
import type { sendUserOperationAndWait } from '../actions/sendUserOperationAndWait.ts'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { PERMISSION_ERROR_CODES, PermissionRequestError } from '../errors/erc7715.ts'
import { describeSession, type DescribeSessionOptions } from '../policies/describeSession.ts'
import type { KnownContract } from '../policies/describeFormat.ts'
import type { GasPolicyReturnType } from '../policies/gasPolicy.ts'
import type { Session } from '../sessions/session.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { EXECUTION_PERMISSION_TYPES, formatPermissionRequest, invalidField, parsePermissionRequest, type ExecutionPermissionResponse, type ParsedPermissionRequest } from './executionPermission.ts'
import { grantPermissionsRequests, grantPermissionsResponse } from './grantPermissionsShape.ts'
import { MemoryGrantedPermissionStore, type GrantedPermissionStore } from './grantedPermissionStore.ts'
import { adjustPermissionRequest, type PermissionAdjustments } from './permissionAdjustments.ts'
import { decodePermissionContext, encodePermissionContext } from './permissionContext.ts'
import { sessionForPermission } from './permissionSession.ts'

/** What the owner is asked to approve: the request as read, the session it becomes, and that session in words. */
export type PermissionReview = {
  /** Which request of the call (a dApp may ask for several at once). */
  index: number
  request: ParsedPermissionRequest & { expiry: number }
  /** True when the expiry was not asked for and is the wallet's default. */
  defaultExpiry: boolean
  session: Session
  /** `describeSession`'s text: one fact per line. */
  description: string
  /** The description's `WARNING:` lines. */
  warnings: string[]
  /** Whether the owner may lower amounts, lengthen periods or delay the start (the expiry may always be shortened). */
  adjustable: boolean
}

export type PermissionDecision = { approved: false } | { approved: true; adjustments?: PermissionAdjustments | undefined }

/** A granted permission with where it stands now, read from the chain. */
export type GrantedExecutionPermission = ExecutionPermissionResponse & {
  latchkey: { digest: Hex; status: SessionStatus | 'exhausted'; allowances: SessionAllowance[]; grantedAt: number }
}

export type LatchkeyWalletProviderParameters = {
  /** The owner's smart account: it signs approvals (ERC-1271) and sends revocations. */
  account: SmartAccount
  /** For the owner's userOps: a grant that installs the manager, and revocations. */
  bundlerClient: Parameters<typeof sendUserOperationAndWait>[0]
  /** A client of the chain. Default: the account's. */
  client?: Client<Transport, Chain | undefined> | undefined
  /** The SessionKeyManager. Default: `latchkeyModules.sessionKeyManager`. */
  manager?: Address | undefined
  /** The StreamPolicy module for stream permissions. Default: `latchkeyModules.streamPolicy`. */
  streamPolicy?: Address | undefined
  /** The consent screen: shows the review and answers. Nothing is granted without an approval. */
  review: (review: PermissionReview) => Promise<PermissionDecision>
  /** Where grants are kept. Default: in memory. */
  store?: GrantedPermissionStore | undefined
  /** The expiry given to a request without one (seconds from now). Default: one day. */
  defaultExpirySeconds?: number | undefined
  /** Gas bounds of every granted session. Default: the SDK's (`DEFAULT_SESSION_GAS_BOUNDS`); the dApp never chooses them. */
  gas?: GasPolicyReturnType | undefined
  /** Names and ABIs of contracts, for the consent text. */
  contracts?: DescribeSessionOptions['contracts']
  /** Which ERC-7579 account the owner's is, for the manager's install data. Default: read from its `accountId()`. */
  accountKind?: Erc7579AccountKind | undefined
  /** For accounts whose smart-account object cannot sign typed data (a Safe, Kernel): the owner's ERC-1271 signature of an approval. */
  signApproval?: CreateSessionApprovalParameters['signApproval']
}

/** An EIP-1193 provider: `request({ method, params })`. Refusals are {@link PermissionRequestError}s with their code. */
export type LatchkeyWalletProvider = {
  request(args: { method: string; params?: unknown }): Promise<unknown>
  /** Revokes every session of the account and every outstanding approval (one owner userOp). */
  revokeAll(): Promise<void>
  /**
   * Every grant this wallet made, revoked ones included, each with its state (pending, active, exhausted,
   * expired, revoked, or not-granted after a revoke-all) and what is left of each limit: the wallet's own list.
   */
  listPermissions(): Promise<GrantedExecutionPermission[]>
}

const DAY = 86_400

/**
 * A wallet provider that answers ERC-7715 (`wallet_requestExecutionPermissions`,
 * `wallet_getSupportedExecutionPermissions`, `wallet_getGrantedExecutionPermissions`,
 * `wallet_revokeExecutionPermission`) and viem's older `wallet_grantPermissions`, over a Latchkey session
 * manager on the owner's account. Each request is read strictly, turned into a session, described and shown
 * to the owner (`review`); approved ones are granted: by an off-chain owner approval when the manager is
 * installed (no transaction), else by one owner userOp that deploys the account if needed, installs the
 * manager and sets the root. docs/erc7715.md.
 *
 * @example
 * const wallet = createLatchkeyWalletProvider({ account: owner, bundlerClient, review: async (r) => ({ approved: await askOwner(r.description) }) })
 * const [granted] = await wallet.request({ method: 'wallet_requestExecutionPermissions', params: [request] })
 */
export function createLatchkeyWalletProvider(parameters: LatchkeyWalletProviderParameters): LatchkeyWalletProvider {
  const { account, bundlerClient } = parameters
  const client = (parameters.client ?? account.client) as Client<Transport, Chain | undefined>
  const manager = parameters.manager ?? latchkeyModules.sessionKeyManager
  const store = parameters.store ?? new MemoryGrantedPermissionStore()
  const defaultExpirySeconds = parameters.defaultExpirySeconds ?? DAY
  let chainId: number | undefined
  const chain = async () => (chainId ??= client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' })))
  const now = async () => Number((await getBlock(client, { blockTag: 'latest' })).timestamp)

  /** Reads, builds and reviews each request; returns the approved ones, or throws on the first refusal. */
  async function review(raw: unknown[]): Promise<{ request: ParsedPermissionRequest & { expiry: number }; session: Session }[]> {
    const [id, time] = await Promise.all([chain(), now()])
    const prepared = raw.map((each, index) => prepare(each, index, id, time))
    const approved = []
    for (const [index, { request, defaultExpiry }] of prepared.entries()) {
      const session = build(request, `params[${index}]`)
      await assertSafe(session, index)
      const description = describeSession(session, { account: account.address, modules: describedModules, now: time, contracts: contractsFor(request.data) })
      const warnings = description.split('\n').filter((line) => line.startsWith('WARNING'))
      const decision = await parameters.review({ index, request, defaultExpiry, session, description, warnings, adjustable: request.isAdjustmentAllowed })
      if (!decision.approved) throw new PermissionRequestError(PERMISSION_ERROR_CODES.userRejected, `params[${index}]`, 'the owner rejected the request')
      const final = decision.adjustments ? adjusted(request, decision.adjustments, index) : request
      approved.push({ request: final, session: decision.adjustments ? build(final, `params[${index}]`) : session })
    }
    return approved
  }

  const describedModules = { sessionKeyManager: manager, ...(parameters.streamPolicy ? { streamPolicy: parameters.streamPolicy } : {}) }

  /** The wallet's names and ABIs, with the ERC-20 ABI for a token permission's token (so its text names `transfer`'s arguments). */
  function contractsFor(data: ParsedPermissionRequest['data']): Record<Address, KnownContract> {
    const known: Record<Address, KnownContract> = { ...parameters.contracts }
    if ('token' in data && data.token !== undefined) {
      const entry = Object.entries(known).find(([address]) => address.toLowerCase() === data.token!.toLowerCase())
      known[data.token] = { abi: erc20Abi, ...entry?.[1] }
      if (entry && entry[0] !== data.token) delete known[entry[0] as Address]
    }
    return known
  }

  function prepare(raw: unknown, index: number, id: number, time: number) {
    const parsed = parsePermissionRequest(raw, `params[${index}]`)
    if (parsed.chainId !== id) throw invalidField(`params[${index}].chainId`, `chain ${parsed.chainId} is not this wallet's chain (${id})`)
    if (parsed.from !== undefined && parsed.from.toLowerCase() !== account.address.toLowerCase()) {
      throw invalidField(`params[${index}].from`, `${parsed.from} is not this wallet's account (${account.address})`)
    }
    if (parsed.expiry !== undefined && parsed.expiry <= time) throw invalidField(`params[${index}].rules`, `the expiry ${parsed.expiry} has passed (chain time ${time})`)
    const request = { ...parsed, from: account.address, expiry: parsed.expiry ?? time + defaultExpirySeconds }
    return { request, defaultExpiry: parsed.expiry === undefined }
  }

  /** A session that names the account, the manager or an installed module is refused before the owner is asked. */
  async function assertSafe(session: Session, index: number) {
    try {
      await assertSafeSession(client, session, account.address, manager)
    } catch (error) {
      if (!(error instanceof UnsafeSessionError || error instanceof InvalidParameterError)) throw error
      throw new PermissionRequestError(PERMISSION_ERROR_CODES.invalidParams, `params[${index}].permission.data`, error.shortMessage, { cause: error })
    }
  }

  /** The owner's adjustments applied; one that would grant more than asked is the wallet's error (-32603), and grants nothing. */
  function adjusted(request: ParsedPermissionRequest & { expiry: number }, adjustments: PermissionAdjustments, index: number) {
    try {
      return adjustPermissionRequest(request, adjustments)
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      throw new PermissionRequestError(PERMISSION_ERROR_CODES.internal, `params[${index}]`, `the wallet's adjustment was refused: ${error.shortMessage}`, { cause: error })
    }
  }

  function build(request: ParsedPermissionRequest & { expiry: number }, field: string): Session {
    try {
      return sessionForPermission(request, { manager, streamPolicy: parameters.streamPolicy, gas: parameters.gas })
    } catch (error) {
      if (error instanceof LatchkeyError) throw new PermissionRequestError(PERMISSION_ERROR_CODES.invalidParams, field, error.shortMessage, { cause: error })
      throw error
    }
  }

  /** Grants the sessions: approvals when the manager is installed, else one owner userOp with the root. */
  async function grant(sessions: Session[]): Promise<SessionGrant[]> {
    try {
      if (await isSessionManagerInstalled(client, account.address, manager)) {
        const grants: SessionGrant[] = []
        for (const session of sessions) grants.push(await createSessionApproval({ account, manager, session, chainClient: client, signApproval: parameters.signApproval }))
        return grants
      }
      return (await grantSessions(bundlerClient, { account, manager, sessions, chainClient: client, accountKind: parameters.accountKind })).grants
    } catch (error) {
      const why = error instanceof LatchkeyError ? error.shortMessage : String(error)
      throw new PermissionRequestError(PERMISSION_ERROR_CODES.internal, undefined, `the grant failed: ${why}`, { cause: error })
    }
  }

  async function requestExecutionPermissions(params: unknown): Promise<ExecutionPermissionResponse[]> {
    if (!Array.isArray(params) || params.length === 0 || params.length > 16) throw invalidField('params', 'must be a list of 1 to 16 permission requests')
    const approved = await review(params)
    const grants = await grant(approved.map((a) => a.session))
    const responses = approved.map(({ request }, i): ExecutionPermissionResponse => {
      const { from: _from, ...wire } = formatPermissionRequest(request)
      return { ...wire, from: account.address, context: encodePermissionContext(grants[i]!), dependencies: [], delegationManager: manager }
    })
    const grantedAt = Math.floor(Date.now() / 1000)
    for (const [i, response] of responses.entries()) await store.save({ response, digest: grants[i]!.digest, grantedAt })
    return responses
  }

  /** Every grant this wallet made, with its state and what is left of each limit, read from the chain. */
  async function listPermissions(): Promise<GrantedExecutionPermission[]> {
    const records = await store.list()
    const grants = records.map((record) => decodePermissionContext(record.response.context))
    const statuses = await getSessionStatus(client, grants)
    return Promise.all(
      records.map(async (record, i): Promise<GrantedExecutionPermission> => {
        const allowances = await getSessionAllowances(client, grants[i]!)
        const status = statuses[i] === 'active' && sessionExhausted(grants[i]!.session, allowances) ? 'exhausted' : statuses[i]!
        return { ...record.response, latchkey: { digest: record.digest, status, allowances, grantedAt: record.grantedAt } }
      }),
    )
  }

  /** ERC-7715: every grant not revoked (nor dropped by a revoke-all, which leaves it 'not-granted'). */
  async function getGrantedExecutionPermissions(): Promise<GrantedExecutionPermission[]> {
    return (await listPermissions()).filter((entry) => entry.latchkey.status !== 'revoked' && entry.latchkey.status !== 'not-granted')
  }

  async function revokeExecutionPermission(params: unknown): Promise<Record<string, never>> {
    const first = Array.isArray(params) ? params[0] : params
    const context = (first as { permissionContext?: unknown } | undefined)?.permissionContext
    if (typeof context !== 'string') throw invalidField('params[0].permissionContext', 'must be the context of a granted permission (hex)')
    let digest: Hex
    try {
      digest = decodePermissionContext(context as Hex).digest
    } catch (error) {
      throw new PermissionRequestError(PERMISSION_ERROR_CODES.invalidParams, 'params[0].permissionContext', (error as LatchkeyError).shortMessage, { cause: error })
    }
    const known = (await store.list()).some((record) => record.digest.toLowerCase() === digest.toLowerCase())
    if (!known) throw invalidField('params[0].permissionContext', 'this wallet did not grant that permission')
    try {
      await revokeSessions(bundlerClient, { account, manager, sessions: [digest], chainClient: client })
    } catch (error) {
      throw new PermissionRequestError(PERMISSION_ERROR_CODES.internal, undefined, `the revocation failed: ${error instanceof LatchkeyError ? error.shortMessage : String(error)}`, { cause: error })
    }
    return {}
  }

  async function getSupportedExecutionPermissions() {
    const chainIds = [numberToHex(await chain())]
    return Object.fromEntries(EXECUTION_PERMISSION_TYPES.map((type) => [type, { chainIds, ruleTypes: ['expiry'] }]))
  }

  const methods: Record<string, (params: unknown) => Promise<unknown>> = {
    wallet_requestExecutionPermissions: requestExecutionPermissions,
    wallet_getSupportedExecutionPermissions: getSupportedExecutionPermissions,
    wallet_getGrantedExecutionPermissions: getGrantedExecutionPermissions,
    wallet_revokeExecutionPermission: revokeExecutionPermission,
    async wallet_grantPermissions(params) {
      const [id, time] = await Promise.all([chain(), now()])
      const { requests, granted } = grantPermissionsRequests(params, { chainId: id, account: account.address, manager, now: time })
      return grantPermissionsResponse((await requestExecutionPermissions(requests))[0]!, granted)
    },
    eth_chainId: async () => numberToHex(await chain()),
    eth_accounts: async () => [account.address],
    eth_requestAccounts: async () => [account.address],
  }

  return {
    async request({ method, params }) {
      const handler = Object.hasOwn(methods, method) ? methods[method] : undefined
      if (!handler) throw new PermissionRequestError(PERMISSION_ERROR_CODES.unsupportedMethod, undefined, `method ${method} is not supported by this wallet`)
      return handler(params)
    },
    async revokeAll() {
      await revokeSessions(bundlerClient, { account, manager, sessions: 'all', chainClient: client })
    },
    listPermissions,
  }
}

/** Every permission has a limit that is used up for good: the session can make no call anymore. */
function sessionExhausted(session: Session, allowances: readonly SessionAllowance[]): boolean {
  return session.permissions.every((_, i) => allowances.some((a) => a.permissionIndex === i && isAllowanceExhausted(a)))
}
