import type { Address } from 'viem'
import { deterministicAddresses } from '@latchkey/contracts'

/**
 * Where the Latchkey modules live on every chain they are deployed to: each is deployed through the
 * deterministic deployer with a zero salt and no constructor arguments, so its address depends only on its
 * bytecode (the devnet deploys them exactly so). Builders use these unless told otherwise.
 */
export const latchkeyModules = {
  sessionKeyManager: deterministicAddresses.sessionKeyManager,
  ownerValidator: deterministicAddresses.ownerValidator,
  callPolicy: deterministicAddresses.callPolicy,
  erc20Policy: deterministicAddresses.erc20Policy,
  gasPolicy: deterministicAddresses.gasPolicy,
  streamPolicy: deterministicAddresses.streamPolicy,
  usageLimitPolicy: deterministicAddresses.usageLimitPolicy,
  frostSignerVerifier: deterministicAddresses.frostSignerVerifier,
  p256SignerVerifier: deterministicAddresses.p256SignerVerifier,
  sessionTypedDataValidator: deterministicAddresses.sessionTypedDataValidator,
  multichainApprovalValidator: deterministicAddresses.multichainApprovalValidator,
  /** The account implementation EOAs delegate to (EIP-7702); not a module. */
  latchkeyAccount7702: deterministicAddresses.latchkeyAccount7702,
} as const satisfies Record<string, Address>
