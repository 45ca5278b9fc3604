import { encodeAbiParameters, toFunctionSelector, type Hex } from 'viem'

/**
 * The context an `isModuleInstalled` question carries, given the call's 4-byte selector:
 * - `empty`: `0x`;
 * - `selector`: `abi.encode(bytes4 selector)`, 32 bytes (fallback handlers: OpenZeppelin's AccountERC7579,
 *   Nexus, Safe7579, Kernel and the reference MSA all read it; Safe7579 and MSA revert on a 4-byte context);
 * - `hook-global`: `abi.encode(uint8 0, bytes4 0)`, Safe7579's question for its global hook (the selector must
 *   be zero there: with the call's selector it answers false for an installed global hook);
 * - `hook-selector`: `abi.encode(uint8 1, bytes4 selector)`, Safe7579's question for a hook of the call's
 *   selector. The other accounts ignore a hook's context; Safe7579 reverts on an empty one, so no question
 *   carries an empty hook context (it would refuse every any-target call on a Safe).
 * - `hook-execute`, `hook-execute-from-executor`: `abi.encode(uint8 1, bytes4 s)` with `s` the account's own
 *   `execute` or `executeFromExecutor`: Safe7579 keeps a hook per account function, and a session's call runs
 *   through these two (a spending-limit hook on `execute` is the usual case).
 */
export type InstalledModuleContextKind = 'empty' | 'selector' | 'hook-global' | 'hook-selector' | 'hook-execute' | 'hook-execute-from-executor'

/** One `isModuleInstalled(moduleType, module, context)` question, and which account it is for. */
export type InstalledModuleQuestion = { moduleType: bigint; context: InstalledModuleContextKind; what: string }

/**
 * Every question the SDK asks an account before an any-target call may reach a contract, and SessionKeyManager
 * asks on chain, in this order (`_isInstalledModule`): the ERC-7579 types 1–4, hooks in each context form the accounts read, and the vendor types
 * (Kernel v3: 5 policy, 6 signer; Nexus: 8 and 9, pre-validation hooks for ERC-1271 and ERC-4337). Any answer
 * but a clean `false` (a revert, a short, long or non-boolean answer) counts as installed.
 */
export const INSTALLED_MODULE_QUESTIONS: readonly InstalledModuleQuestion[] = [
  { moduleType: 1n, context: 'empty', what: 'a validator' },
  { moduleType: 2n, context: 'empty', what: 'an executor' },
  { moduleType: 3n, context: 'selector', what: "a fallback handler for the call's selector" },
  { moduleType: 4n, context: 'hook-global', what: 'a hook (on Safe7579: its global hook)' },
  { moduleType: 4n, context: 'hook-selector', what: "a hook for the call's selector (Safe7579)" },
  { moduleType: 4n, context: 'hook-execute', what: "a hook of the account's execute (Safe7579)" },
  { moduleType: 4n, context: 'hook-execute-from-executor', what: "a hook of the account's executeFromExecutor (Safe7579)" },
  { moduleType: 5n, context: 'empty', what: 'a policy (Kernel)' },
  { moduleType: 6n, context: 'empty', what: 'a signer (Kernel)' },
  { moduleType: 8n, context: 'empty', what: 'an ERC-1271 pre-validation hook (Nexus)' },
  { moduleType: 9n, context: 'empty', what: 'an ERC-4337 pre-validation hook (Nexus)' },
]

/** The context bytes of a question of kind `kind` for a call with `selector`. */
export function installedModuleContext(kind: InstalledModuleContextKind, selector: Hex): Hex {
  switch (kind) {
    case 'empty':
      return '0x'
    case 'selector':
      return encodeAbiParameters([{ type: 'bytes4' }], [selector])
    case 'hook-global':
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [0, '0x00000000'])
    case 'hook-selector':
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [1, selector])
    case 'hook-execute':
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [1, toFunctionSelector('execute(bytes32,bytes)')])
    case 'hook-execute-from-executor':
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [1, toFunctionSelector('executeFromExecutor(bytes32,bytes)')])
  }
}
