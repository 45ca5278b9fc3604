import { encodeFunctionData, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { readContract } from 'viem/actions'
import { askIsModuleInstalled } from './askIsModuleInstalled.ts'
import { installedModuleContext, INSTALLED_MODULE_QUESTIONS, type InstalledModuleQuestion } from './installedModuleQuestions.ts'

export { INSTALLED_MODULE_QUESTIONS, installedModuleContext, type InstalledModuleQuestion, type InstalledModuleContextKind } from './installedModuleQuestions.ts'

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

/** Safe's ModuleManager: whether a contract is one of the Safe's own modules. */
const safeModuleManagerAbi = [
  { type: 'function', name: 'isModuleEnabled', stateMutability: 'view', inputs: [{ name: 'module', type: 'address' }], outputs: [{ type: 'bool' }] },
] as const

const isModuleTypeAbi = [
  { type: 'function', name: 'isModuleType', stateMutability: 'view', inputs: [{ name: 'moduleTypeId', type: 'uint256' }], outputs: [{ type: 'bool' }] },
] as const

/** Why `installedModule` counts a contract as a module of the account. */
export type InstalledModuleAnswer = {
  /** The module type asked about (or 3 when the contract says it is a fallback module). */
  moduleType: bigint
  /** The question that answered (undefined for `says-fallback`). */
  question: InstalledModuleQuestion | undefined
  /**
   * `installed`: the account answered true; `reverted`: the account reverted (fail closed); `malformed`: the
   * answer was not a 32-byte boolean (fail closed); `says-fallback`: the contract's own `isModuleType(3)` is true;
   * `safe-module`: the account is a Safe and the contract one of its own modules (`isModuleEnabled`; type 0 here).
   */
  why: 'installed' | 'reverted' | 'malformed' | 'says-fallback' | 'safe-module'
}

/**
 * Whether `module` may be a module installed on `account`, asked the way SessionKeyManager asks for any-target
 * calls: every question of {@link INSTALLED_MODULE_QUESTIONS} (types 1–4 with the contexts the accounts read,
 * and the vendor types of Kernel and Nexus), with `selector` as the call's function. Fail closed: a revert or
 * an answer other than a 32-byte `false` counts as installed. An account without code has nothing installed
 * (nothing is asked). Like before, a contract that says it is a fallback module (`isModuleType(3)`) counts as
 * one whatever selector it is installed for: a handler installed for one selector must not be reached with
 * another (an off-chain check only; the chain cannot ask the target within ERC-7562).
 *
 * Failures of the transport (HTTP, timeout) are thrown: they are not an answer.
 */
export async function installedModule(
  client: Client<Transport, Chain | undefined>,
  account: Address,
  module: Address,
  selector: Hex,
): Promise<InstalledModuleAnswer | undefined> {
  const code = await client.request({ method: 'eth_getCode', params: [account, 'latest'] })
  if (!code || code === '0x') return undefined
  const answers = await Promise.all(
    INSTALLED_MODULE_QUESTIONS.map((question) =>
      askIsModuleInstalled(client, account, encodeFunctionData({
        abi: erc7579ModuleConfigAbi,
        functionName: 'isModuleInstalled',
        args: [question.moduleType, module, installedModuleContext(question.context, selector)],
      })),
    ),
  )
  const index = answers.findIndex((answer) => answer !== 'not-installed')
  if (index >= 0) return { moduleType: INSTALLED_MODULE_QUESTIONS[index]!.moduleType, question: INSTALLED_MODULE_QUESTIONS[index]!, why: answers[index] as 'installed' | 'reverted' | 'malformed' }
  // A Safe's own module (Safe7579's adapter among them), as the manager asks: only a 32-byte true counts,
  // since accounts that are not Safes revert.
  const safeModule = await askIsModuleInstalled(client, account, encodeFunctionData({ abi: safeModuleManagerAbi, functionName: 'isModuleEnabled', args: [module] }))
  if (safeModule === 'installed') return { moduleType: 0n, question: undefined, why: 'safe-module' }
  const saysFallback = await readContract(client, { address: module, abi: isModuleTypeAbi, functionName: 'isModuleType', args: [3n] }).catch(() => false)
  return saysFallback ? { moduleType: 3n, question: undefined, why: 'says-fallback' } : undefined
}

/** The module type under which {@link installedModule} counts `module` as installed on `account`, or undefined. */
export async function installedModuleType(
  client: Client<Transport, Chain | undefined>,
  account: Address,
  module: Address,
  selector: Hex,
): Promise<bigint | undefined> {
  return (await installedModule(client, account, module, selector))?.moduleType
}

/** In words, why {@link installedModule} counts a contract as a module of the account. */
export function describeInstalledModule(answer: InstalledModuleAnswer): string {
  const asked = answer.question === undefined ? '' : `isModuleInstalled(${answer.moduleType}, …, ${answer.question.context} context)`
  switch (answer.why) {
    case 'installed':
      return `a module installed on the account (${answer.question?.what ?? `type ${answer.moduleType}`})`
    case 'reverted':
      return `what may be a module installed on the account: the account reverted when asked ${asked}, which counts as installed (fail closed)`
    case 'malformed':
      return `what may be a module installed on the account: the account's answer to ${asked} is not a 32-byte boolean, which counts as installed (fail closed)`
    case 'says-fallback':
      return 'a fallback module (its isModuleType(3) is true): a handler installed for one selector must not be reached with another'
    case 'safe-module':
      return "one of the Safe's own modules (isModuleEnabled): Safe7579's adapter and other Safe modules act for the account"
  }
}
