import { getAddress, isAddress, isHex, size, type Hex } from 'viem'
import { PERMISSION_ERROR_CODES, PermissionRequestError } from '../errors/erc7715.ts'
import type { Permission } from '../sessions/session.ts'

/**
 * The `latchkey-session` permission type: any Latchkey session's permissions (call rules, value and call
 * limits, built from `callPolicy`, `erc20Policy`, `permission`), asked for through ERC-7715. The wallet adds
 * its own gas bounds and window; the dApp cannot ask for unbounded fees.
 */
export type LatchkeySessionData = { permissions: readonly Permission[] }

const bad = (field: string, rule: string) => new PermissionRequestError(PERMISSION_ERROR_CODES.invalidParams, field, rule)

/** Reads a `latchkey-session` permission's data (`{ permissions: [...] }`, value limits in hex). */
export function parseLatchkeySessionData(raw: Record<string, unknown>, field: string): LatchkeySessionData {
  for (const key of Object.keys(raw)) if (key !== 'permissions' && key !== 'justification') throw bad(`${field}.${key}`, 'is not a field of latchkey-session')
  if (!Array.isArray(raw.permissions) || raw.permissions.length === 0 || raw.permissions.length > 255) {
    throw bad(`${field}.permissions`, 'must be a list of 1 to 255 permissions')
  }
  return {
    permissions: raw.permissions.map((entry: unknown, i: number) => {
      const at = `${field}.permissions[${i}]`
      if (typeof entry !== 'object' || entry === null) throw bad(at, 'must be an object')
      const p = entry as Record<string, unknown>
      for (const key of Object.keys(p)) if (!['target', 'selector', 'valueLimit', 'policy', 'policyConfig'].includes(key)) throw bad(`${at}.${key}`, 'is not a field of a permission')
      const address = (name: string) => {
        const value = p[name]
        if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw bad(`${at}.${name}`, 'must be an address')
        return getAddress(value)
      }
      const bytes = (name: string, length?: number): Hex => {
        const value = p[name]
        if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0 || (length !== undefined && size(value) !== length)) {
          throw bad(`${at}.${name}`, length === undefined ? 'must be hex bytes' : `must be ${length} bytes of hex`)
        }
        return value
      }
      const value = p.valueLimit
      if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length < 3 || BigInt(value) >= 1n << 128n) {
        throw bad(`${at}.valueLimit`, 'must be a hex amount below 2^128')
      }
      return { target: address('target'), selector: bytes('selector', 4), valueLimit: BigInt(value), policy: address('policy'), policyConfig: bytes('policyConfig') }
    }),
  }
}

/**
 * The `data` of a `latchkey-session` permission request, for a dApp: the session's permissions, as the
 * builders make them.
 *
 * @example
 * permission: { type: 'latchkey-session', isAdjustmentAllowed: true,
 *   data: latchkeySessionPermissionData([callPolicy({ address: game, abi: gameAbi, functionName: 'move', limits: { calls: { max: 20 } } })]) }
 */
export function latchkeySessionPermissionData(permissions: readonly Permission[], justification?: string): Record<string, unknown> {
  return {
    permissions: permissions.map((p) => ({ target: p.target, selector: p.selector, valueLimit: `0x${p.valueLimit.toString(16)}`, policy: p.policy, policyConfig: p.policyConfig })),
    ...(justification === undefined ? {} : { justification }),
  }
}
