import { erc20Abi, type Address } from 'viem'
import { callPolicy } from '../policies/callPolicy.ts'
import { encodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import { perPeriod, total } from '../policies/conditions.ts'
import { streamPolicy } from '../policies/streamPolicy.ts'
import type { GasPolicyReturnType } from '../policies/gasPolicy.ts'
import { createSession } from '../sessions/createSession.ts'
import { ANY_TARGET, EMPTY_CALLDATA, type Permission, type Session } from '../sessions/session.ts'
import type { ParsedPermissionRequest, PermissionData } from './executionPermission.ts'

const MAX_UINT128 = (1n << 128n) - 1n

/**
 * The session permissions that grant an ERC-7715 permission, with the semantics of MetaMask's enforcers where
 * Latchkey can match them (docs/erc7715.md):
 * - native token: plain transfers (empty calldata) to any address but the account, its modules, the manager
 *   and the EntryPoints, their total value bounded by the manager's built-in rules;
 * - ERC-20: `transfer(address,uint256)` on the token only (no `approve`, no `transferFrom`), the amounts'
 *   total bounded by the manager's built-in rules;
 * - allowance: a lifetime total; periodic: a total per period (periods counted from 1970, not from
 *   `startTime`: the difference is documented); stream: the StreamPolicy module (linear accrual from
 *   `startTime`);
 * - `latchkey-session`: the permissions as given.
 */
export function sessionPermissionsFor(data: PermissionData, manager: Address, streamModule?: Address): Permission[] {
  switch (data.type) {
    case 'native-token-allowance':
      return [nativeTransfers(data.allowanceAmount, 0, manager)]
    case 'native-token-periodic':
      return [nativeTransfers(data.periodAmount, data.periodDuration, manager)]
    case 'erc20-token-allowance':
      return [tokenTransfers(data.token!, total(data.allowanceAmount), manager)]
    case 'erc20-token-periodic':
      return [tokenTransfers(data.token!, perPeriod(data.periodAmount, data.periodDuration), manager)]
    case 'native-token-stream':
    case 'erc20-token-stream':
      return [
        streamPolicy({
          ...(data.token === undefined ? {} : { token: data.token }),
          initialAmount: data.initialAmount,
          maxAmount: data.maxAmount,
          amountPerSecond: data.amountPerSecond,
          startTime: data.startTime ?? 0,
          ...(streamModule === undefined ? {} : { policy: streamModule }),
        }),
      ]
    case 'latchkey-session':
      return [...data.permissions]
  }
}

function nativeTransfers(max: bigint, period: number, manager: Address): Permission {
  return {
    target: ANY_TARGET,
    selector: EMPTY_CALLDATA,
    // The per-call bound is a uint128; the total below is the real bound.
    valueLimit: max > MAX_UINT128 ? MAX_UINT128 : max,
    policy: manager,
    policyConfig: encodeCallPolicyConfig({ groups: [], limits: [{ kind: 'value', max, period }] }),
  }
}

function tokenTransfers(token: Address, limit: ReturnType<typeof total>, manager: Address): Permission {
  return callPolicy({ address: token, abi: erc20Abi, functionName: 'transfer', args: [undefined, limit], policy: manager })
}

/**
 * The session a parsed request becomes: its signer is the request's `to`, its window from `startTime` (or
 * now) to one second before the expiry (ERC-7715's expiry is strict, a session's end inclusive), its gas
 * bounds the wallet's.
 */
export function sessionForPermission(
  request: ParsedPermissionRequest & { expiry: number },
  options: { manager: Address; streamPolicy?: Address | undefined; gas?: GasPolicyReturnType | undefined; salt?: `0x${string}` | undefined },
): Session {
  return createSession({
    signer: request.to,
    permissions: sessionPermissionsFor(request.data, options.manager, options.streamPolicy),
    validAfter: 'startTime' in request.data && request.data.startTime !== undefined ? request.data.startTime : 0,
    validUntil: request.expiry - 1,
    ...(options.gas === undefined ? {} : { gas: options.gas }),
    ...(options.salt === undefined ? {} : { salt: options.salt }),
  })
}
