import { encodeAbiParameters, type Hex } from 'viem'

/**
 * The context an `isModuleInstalled` question carries, given the call's 4-byte selector:
 * - `empty`: `0x`;
 * - `selector`: `abi.encode(bytes4 selector)`, 32 bytes (fallback handlers: OpenZeppelin's AccountERC7579,
 *   Nexus, Safe7579, Kernel and the reference MSA all read it; Safe7579 and MSA revert on a 4-byte context);
 * - `hook-global` / `hook-selector`: `abi.encode(uint8 hookType, bytes4 selector)` with hookType 0 (a global
 *   hook) or 1 (a per-selector hook), the form Safe7579 decodes (the other accounts ignore a hook's context).
 */
export type InstalledModuleContextKind = 'empty' | 'selector' | 'hook-global' | 'hook-selector'

/** One `isModuleInstalled(moduleType, module, context)` question, and which account it is for. */
export type InstalledModuleQuestion = { moduleType: bigint; context: InstalledModuleContextKind; what: string }

/**
 * Every question the SDK asks an account before an any-target call may reach a contract (and SessionKeyManager
 * asks on chain): the ERC-7579 types 1–4, hooks in each context form the accounts read, and the vendor types
 * (Kernel v3: 5 policy, 6 signer; Nexus: 8 and 9, pre-validation hooks for ERC-1271 and ERC-4337). Any answer
 * but a clean `false` (a revert, a short, long or non-boolean answer) counts as installed.
 */
export const INSTALLED_MODULE_QUESTIONS: readonly InstalledModuleQuestion[] = [
  { moduleType: 1n, context: 'empty', what: 'a validator' },
  { moduleType: 2n, context: 'empty', what: 'an executor' },
  { moduleType: 3n, context: 'selector', what: "a fallback handler for the call's selector" },
  { moduleType: 4n, context: 'empty', what: 'a hook' },
  { moduleType: 4n, context: 'hook-global', what: 'a global hook (Safe7579)' },
  { moduleType: 4n, context: 'hook-selector', what: "a hook for the call's selector (Safe7579)" },
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
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [0, selector])
    case 'hook-selector':
      return encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [1, selector])
  }
}
