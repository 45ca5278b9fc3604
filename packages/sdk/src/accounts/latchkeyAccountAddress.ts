import { concat, encodeAbiParameters, getContractAddress, keccak256, type Address, type Hex } from 'viem'

/** A module the factory installs when it deploys the account. Module type ids: 1 validator, 2 executor, 3 fallback. */
export type ModuleInit = { moduleTypeId: bigint; module: Address; initData: Hex }

const moduleInitsParameter = {
  type: 'tuple[]',
  components: [
    { name: 'moduleTypeId', type: 'uint256' },
    { name: 'module', type: 'address' },
    { name: 'initData', type: 'bytes' },
  ],
} as const

/** EIP-1167 minimal proxy creation code around `implementation` (what OpenZeppelin's `Clones` deploys). */
function cloneInitCode(implementation: Address): Hex {
  return concat(['0x3d602d80600a3d3981f3363d3d373d3d3d363d73', implementation, '0x5af43d82803e903d91602b57fd5bf3'])
}

export type LatchkeyAccountAddressParameters = {
  factory: Address
  implementation: Address
  owner: Address
  modules: readonly ModuleInit[]
  salt: Hex
}

/**
 * The counterfactual address `LatchkeyAccountFactory.createAccount(owner, modules, salt)` deploys to,
 * computed offline: CREATE2 by the factory of a clone of `implementation`, salted with
 * `keccak256(abi.encode(owner, modules, salt))`.
 */
export function latchkeyAccountAddress({ factory, implementation, owner, modules, salt }: LatchkeyAccountAddressParameters): Address {
  const cloneSalt = keccak256(
    encodeAbiParameters([{ type: 'address' }, moduleInitsParameter, { type: 'bytes32' }], [owner, modules, salt]),
  )
  return getContractAddress({ opcode: 'CREATE2', from: factory, salt: cloneSalt, bytecode: cloneInitCode(implementation) })
}
