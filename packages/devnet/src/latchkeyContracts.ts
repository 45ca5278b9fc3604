import { encodeDeployData, parseEther, zeroHash, type Address, type Hex } from 'viem'
import {
  demoCounterBytecode,
  demoTokenAbi,
  demoTokenBytecode,
  latchkeyAccountBytecode,
  latchkeyAccountFactoryAbi,
  latchkeyAccountFactoryBytecode,
  ownerValidatorBytecode,
  sessionKeyManagerBytecode,
  usageLimitPolicyBytecode,
} from '@latchkey/contracts'
import { deployDeterministic, deterministicAddress, type DeployClients } from './deterministicDeployer.ts'

/** Salt of every Latchkey deployment: addresses depend only on the bytecode (and constructor arguments). */
export const LATCHKEY_SALT: Hex = zeroHash

/** The Latchkey contracts on a devnet, by name. */
export type LatchkeyContracts = {
  accountImplementation: Address
  accountFactory: Address
  ownerValidator: Address
  sessionKeyManager: Address
  usageLimitPolicy: Address
  demoToken: Address
  demoCounter: Address
}

/** Stake the devnet puts on the factory (ERC-7562 STO-022), and its unstake delay (the spec's minimum). */
export const FACTORY_STAKE = parseEther('1')
export const FACTORY_UNSTAKE_DELAY_SEC = 86_400

function initCodes(factoryOwner: Address) {
  const implementation = deterministicAddress(latchkeyAccountBytecode, LATCHKEY_SALT)
  return {
    accountImplementation: latchkeyAccountBytecode,
    accountFactory: encodeDeployData({
      abi: latchkeyAccountFactoryAbi,
      bytecode: latchkeyAccountFactoryBytecode,
      args: [implementation, factoryOwner],
    }),
    ownerValidator: ownerValidatorBytecode,
    sessionKeyManager: sessionKeyManagerBytecode,
    usageLimitPolicy: usageLimitPolicyBytecode,
    demoToken: encodeDeployData({ abi: demoTokenAbi, bytecode: demoTokenBytecode, args: ['Latchkey Demo USD', 'LKUSD'] }),
    demoCounter: demoCounterBytecode,
  } satisfies Record<keyof LatchkeyContracts, Hex>
}

/** Where {@link deployLatchkeyContracts} puts each contract, without touching a chain. */
export function latchkeyContractAddresses(factoryOwner: Address): LatchkeyContracts {
  const codes = initCodes(factoryOwner)
  const entries = Object.entries(codes).map(([name, code]) => [name, deterministicAddress(code, LATCHKEY_SALT)])
  return Object.fromEntries(entries) as LatchkeyContracts
}

/** Deploys every Latchkey contract at its deterministic address and stakes the factory in the EntryPoint. */
export async function deployLatchkeyContracts(clients: DeployClients): Promise<LatchkeyContracts> {
  const factoryOwner = clients.walletClient.account.address
  const codes = initCodes(factoryOwner)
  const deployed = {} as LatchkeyContracts
  for (const [name, code] of Object.entries(codes) as [keyof LatchkeyContracts, Hex][]) {
    deployed[name] = await deployDeterministic(clients, name, code, LATCHKEY_SALT)
  }
  const hash = await clients.walletClient.writeContract({
    address: deployed.accountFactory,
    abi: latchkeyAccountFactoryAbi,
    functionName: 'addStake',
    args: [FACTORY_UNSTAKE_DELAY_SEC],
    value: FACTORY_STAKE,
  })
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`staking the account factory failed (transaction ${hash})`)
  return deployed
}
