import { numberToHex, type Address, type Client, type Hex, type Transport } from 'viem'
import type { ExecutionPermissionResponse, PermissionRule } from './executionPermission.ts'
import type { GrantedExecutionPermission } from './latchkeyWalletProvider.ts'

/**
 * One permission request as a dApp writes it with MetaMask's Smart Accounts Kit: the chain as a number,
 * amounts as bigint (or hex), and the expiry as a field, not a rule.
 */
export type RequestExecutionPermissionsParameter = {
  chainId: number
  /** The dApp's session key address: who will act. */
  to: Address
  /** The account, when the dApp knows it. */
  from?: Address | undefined
  permission: { type: string; isAdjustmentAllowed?: boolean | undefined; data: Record<string, unknown> }
  /** Unix seconds; the permission is usable while now < expiry. */
  expiry?: number | undefined
}

/** `{ type → { chainIds, ruleTypes } }`: what the wallet grants, where. */
export type SupportedExecutionPermissions = Record<string, { chainIds: Hex[]; ruleTypes: string[] }>

export type Erc7715ProviderActions = {
  /** Asks the wallet for permissions (`wallet_requestExecutionPermissions`); answers the granted ones, each with its `context`. */
  requestExecutionPermissions(requests: readonly RequestExecutionPermissionsParameter[]): Promise<ExecutionPermissionResponse[]>
  /** `wallet_getSupportedExecutionPermissions`. */
  getSupportedExecutionPermissions(): Promise<SupportedExecutionPermissions>
  /** `wallet_getGrantedExecutionPermissions`: every grant not revoked (a Latchkey wallet adds each one's state under `latchkey`). */
  getGrantedExecutionPermissions(): Promise<GrantedExecutionPermission[]>
  /** `wallet_revokeExecutionPermission`. */
  revokeExecutionPermission(parameters: { permissionContext: Hex }): Promise<void>
}

/** Amounts as the wire wants them: bigint → hex, everything else as given. */
function wireData(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === 'bigint' ? numberToHex(value) : value]))
}

/**
 * ERC-7715 actions for a dApp's viem client, named and shaped as MetaMask's Smart Accounts Kit names them,
 * so code written for it asks a Latchkey wallet unchanged. Act on a granted `context` with
 * `toSessionAccount({ client, permissionContext: context, signer })`.
 *
 * @example
 * const wallet = createClient({ transport: custom(window.latchkey) }).extend(erc7715ProviderActions())
 * const [granted] = await wallet.requestExecutionPermissions([{ chainId: 31337, to: sessionKey.address, expiry: now + 3600,
 *   permission: { type: 'erc20-token-periodic', isAdjustmentAllowed: true, data: { tokenAddress: usdc, periodAmount: 10_000000n, periodDuration: 86_400 } } }])
 */
export function erc7715ProviderActions() {
  return (client: Client<Transport>): Erc7715ProviderActions => ({
    async requestExecutionPermissions(requests) {
      const params = requests.map((request) => {
        const rules: PermissionRule[] = request.expiry === undefined ? [] : [{ type: 'expiry', data: { timestamp: request.expiry } }]
        return {
          chainId: numberToHex(request.chainId),
          ...(request.from === undefined ? {} : { from: request.from }),
          to: request.to,
          permission: { type: request.permission.type, isAdjustmentAllowed: request.permission.isAdjustmentAllowed ?? true, data: wireData(request.permission.data) },
          rules,
        }
      })
      return (await client.request({ method: 'wallet_requestExecutionPermissions', params } as never, { retryCount: 0 })) as ExecutionPermissionResponse[]
    },
    async getSupportedExecutionPermissions() {
      return (await client.request({ method: 'wallet_getSupportedExecutionPermissions', params: [] } as never, { retryCount: 0 })) as SupportedExecutionPermissions
    },
    async getGrantedExecutionPermissions() {
      return (await client.request({ method: 'wallet_getGrantedExecutionPermissions', params: [] } as never, { retryCount: 0 })) as GrantedExecutionPermission[]
    },
    async revokeExecutionPermission({ permissionContext }) {
      await client.request({ method: 'wallet_revokeExecutionPermission', params: [{ permissionContext }] } as never, { retryCount: 0 })
    },
  })
}
