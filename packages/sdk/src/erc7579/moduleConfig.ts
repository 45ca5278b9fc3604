import type { Address, Chain, Client, Hex, Transport } from 'viem'
import { readContract } from 'viem/actions'

/** ERC-7579 module configuration of an account (the functions Latchkey uses). */
export const erc7579ModuleConfigAbi = [
  {
    type: 'function',
    name: 'isModuleInstalled',
    stateMutability: 'view',
    inputs: [
      { name: 'moduleTypeId', type: 'uint256' },
      { name: 'module', type: 'address' },
      { name: 'additionalContext', type: 'bytes' },
    ],
    outputs: [{ type: 'bool' }],
  },
  {
    type: 'function',
    name: 'installModule',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'moduleTypeId', type: 'uint256' },
      { name: 'module', type: 'address' },
      { name: 'initData', type: 'bytes' },
    ],
    outputs: [],
  },
] as const

const isModuleTypeAbi = [
  { type: 'function', name: 'isModuleType', stateMutability: 'view', inputs: [{ name: 'moduleTypeId', type: 'uint256' }], outputs: [{ type: 'bool' }] },
] as const

/**
 * The module type (1 validator, 2 executor, 3 fallback for `selector`, 4 hook) under which `module` is
 * installed on `account`, or undefined: the same question SessionKeyManager asks for any-target calls.
 * An account that reverts for a type (it does not support it) counts as not having it. Like the manager,
 * a contract that says it is a fallback module counts as one (type 3) whatever selector it is installed
 * for: a handler installed for one selector must not be reachable with another.
 */
export async function installedModuleType(
  client: Client<Transport, Chain | undefined>,
  account: Address,
  module: Address,
  selector: Hex,
): Promise<bigint | undefined> {
  for (const type of [1n, 2n, 3n, 4n]) {
    const installed = await readContract(client, {
      address: account,
      abi: erc7579ModuleConfigAbi,
      functionName: 'isModuleInstalled',
      args: [type, module, type === 3n ? selector : '0x'],
    }).catch(() => false)
    if (installed) return type
  }
  const saysFallback = await readContract(client, { address: module, abi: isModuleTypeAbi, functionName: 'isModuleType', args: [3n] }).catch(() => false)
  return saysFallback ? 3n : undefined
}
