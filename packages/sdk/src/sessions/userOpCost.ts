import { zeroAddress, type Hex } from 'viem'
import type { UserOpCost } from './policyChecker.ts'

/** What a userOp may cost the account, as the manager gives it to the session's gas policy. */
export function userOpCost(op: { verificationGasLimit: bigint; callGasLimit: bigint; preVerificationGas: bigint; maxFeePerGas: bigint; paymaster?: unknown; paymasterVerificationGasLimit?: bigint | undefined; paymasterPostOpGasLimit?: bigint | undefined }): UserOpCost {
  const paymaster = typeof op.paymaster === 'string' ? (op.paymaster as Hex) : zeroAddress
  return {
    paymaster,
    gasLimit: op.verificationGasLimit + op.callGasLimit + op.preVerificationGas + (op.paymasterVerificationGasLimit ?? 0n) + (op.paymasterPostOpGasLimit ?? 0n),
    maxFeePerGas: op.maxFeePerGas,
  }
}

/**
 * What a userOp being prepared may cost, from the fields known so far: missing gas limits count 0 and a
 * missing fee 0, so only bounds the known figures already break are found (the final op is checked again).
 */
export function knownUserOpCost(op: {
  verificationGasLimit?: bigint | undefined
  callGasLimit?: bigint | undefined
  preVerificationGas?: bigint | undefined
  maxFeePerGas?: bigint | undefined
  paymaster?: unknown
  paymasterVerificationGasLimit?: bigint | undefined
  paymasterPostOpGasLimit?: bigint | undefined
}): UserOpCost {
  return userOpCost({
    ...op,
    verificationGasLimit: op.verificationGasLimit ?? 0n,
    callGasLimit: op.callGasLimit ?? 0n,
    preVerificationGas: op.preVerificationGas ?? 0n,
    maxFeePerGas: op.maxFeePerGas ?? 0n,
  })
}
