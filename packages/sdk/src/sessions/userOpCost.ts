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
