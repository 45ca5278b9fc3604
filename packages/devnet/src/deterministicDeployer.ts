import {
  concat,
  getContractAddress,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
  type Account,
  type Chain,
  type Transport,
} from 'viem'

/** The CREATE2 deployer anvil pre-deploys (Arachnid's, at the same address on most chains). */
export const DETERMINISTIC_DEPLOYER: Address = '0x4e59b44847b379578588920ca78fbf26c0b4956c'

/** The address `initCode` gets when deployed through {@link DETERMINISTIC_DEPLOYER} with `salt`. */
export function deterministicAddress(initCode: Hex, salt: Hex): Address {
  return getContractAddress({ opcode: 'CREATE2', from: DETERMINISTIC_DEPLOYER, salt, bytecode: initCode })
}

export type DeployClients = {
  publicClient: PublicClient
  walletClient: WalletClient<Transport, Chain, Account>
}

/**
 * Deploys `initCode` through the deterministic deployer (a real CREATE2 deployment: the constructor runs),
 * or does nothing if the address already has code. Returns the address.
 */
export async function deployDeterministic(
  { publicClient, walletClient }: DeployClients,
  name: string,
  initCode: Hex,
  salt: Hex,
): Promise<Address> {
  const address = deterministicAddress(initCode, salt)
  const existing = await publicClient.getCode({ address })
  if (existing && existing !== '0x') return address
  const hash = await walletClient.sendTransaction({ to: DETERMINISTIC_DEPLOYER, data: concat([salt, initCode]) })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  const code = await publicClient.getCode({ address })
  if (receipt.status !== 'success' || !code || code === '0x') {
    throw new Error(`deploying ${name} at ${address} failed (transaction ${hash}, status ${receipt.status})`)
  }
  return address
}
