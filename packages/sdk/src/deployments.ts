import { getContractAddress, zeroHash, type Address, type Hex } from 'viem'
import {
  callPolicyBytecode,
  erc20PolicyBytecode,
  frostSignerVerifierBytecode,
  gasPolicyBytecode,
  ownerValidatorBytecode,
  sessionKeyManagerBytecode,
  usageLimitPolicyBytecode,
} from '@latchkey/contracts'

/** The CREATE2 deployer at the same address on most chains (Arachnid's; anvil pre-deploys it). */
const DETERMINISTIC_DEPLOYER: Address = '0x4e59b44847b379578588920ca78fbf26c0b4956c'

const at = (initCode: Hex): Address =>
  getContractAddress({ opcode: 'CREATE2', from: DETERMINISTIC_DEPLOYER, salt: zeroHash, bytecode: initCode })

/**
 * Where the Latchkey modules live on every chain they are deployed to: each is deployed through the
 * deterministic deployer with a zero salt and no constructor arguments, so its address depends only on its
 * bytecode (the devnet deploys them exactly so). Builders use these unless told otherwise.
 */
export const latchkeyModules = {
  sessionKeyManager: at(sessionKeyManagerBytecode),
  ownerValidator: at(ownerValidatorBytecode),
  callPolicy: at(callPolicyBytecode),
  erc20Policy: at(erc20PolicyBytecode),
  gasPolicy: at(gasPolicyBytecode),
  usageLimitPolicy: at(usageLimitPolicyBytecode),
  frostSignerVerifier: at(frostSignerVerifierBytecode),
} as const satisfies Record<string, Address>
