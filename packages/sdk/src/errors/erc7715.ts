import { LatchkeyError } from './LatchkeyError.ts'

/**
 * The EIP-1193 / JSON-RPC codes a Latchkey wallet provider answers with: the user said no (4001), the
 * method is not one the provider speaks (4200), the request is malformed or asks for what Latchkey cannot
 * grant (-32602), or the grant failed on the way (-32603, the cause attached).
 */
export const PERMISSION_ERROR_CODES = {
  userRejected: 4001,
  unsupportedMethod: 4200,
  invalidParams: -32602,
  internal: -32603,
} as const

export type PermissionErrorCode = (typeof PERMISSION_ERROR_CODES)[keyof typeof PERMISSION_ERROR_CODES]

/**
 * An ERC-7715 request the wallet refuses, with the EIP-1193 `code` a dApp reads, the request field at fault
 * (`field`, e.g. `permissions[0].permission.data.periodAmount`) and the rule it breaks, in words. Nothing was
 * granted or signed.
 */
export class PermissionRequestError extends LatchkeyError {
  override name = 'PermissionRequestError'
  constructor(
    readonly code: PermissionErrorCode,
    readonly field: string | undefined,
    readonly rule: string,
    options: { cause?: unknown } = {},
  ) {
    super(field === undefined ? rule : `${field}: ${rule}`, { metaMessages: [`EIP-1193 code: ${code}`], cause: options.cause })
  }

  /** The JSON-RPC error object of this refusal (`{ code, message, data }`). */
  toRpcError(): { code: number; message: string; data: { field?: string; rule: string } } {
    return { code: this.code, message: this.shortMessage, data: { ...(this.field === undefined ? {} : { field: this.field }), rule: this.rule } }
  }
}
