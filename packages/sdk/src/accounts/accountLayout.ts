import { concat, encodeAbiParameters, hexToBigInt, isAddress, toFunctionSelector, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { getCode, readContract } from 'viem/actions'
import { InvalidParameterError } from '../errors/userOperation.ts'

/**
 * The ERC-7579 accounts the SDK knows how to drive a validator on. `'erc7579'` is any other account, taken to
 * follow OpenZeppelin's layout (as LatchkeyAccount, MSA and Safe7579 do).
 */
export type Erc7579AccountKind = 'latchkey' | 'nexus' | 'msa' | 'safe7579' | 'kernel' | 'erc7579'

/** What differs between accounts when a validator (the SessionKeyManager) is installed and selected. */
export type AccountLayout = {
  kind: Erc7579AccountKind
  /**
   * The EntryPoint nonce key that selects `validator`, with `key` in the bits the layout leaves free (so that
   * separate sessions keep separate nonce sequences); `key` is cut to those bits (none on Nexus).
   */
  nonceKey(validator: Address, key: bigint): bigint
  /** The `installModule(1, validator, data)` data that hands `initData` to the validator's `onInstall`. */
  validatorInstallData(initData: Hex): Hex
  /**
   * True when the account hides a validator's revert from the EntryPoint (Safe7579 calls validators through
   * the Safe and reverts with `ExecutionFailed()`): the rule must then be read from the validator itself.
   */
  hidesValidatorRevert: boolean
}

/** `accountId()` (ERC-7579) of each account the SDK knows, by prefix. */
const ACCOUNT_IDS: readonly [prefix: string, kind: Erc7579AccountKind][] = [
  ['latchkey.account.', 'latchkey'],
  ['latchkey.account7702.', 'latchkey'],
  ['biconomy.nexus.', 'nexus'],
  ['uMSA.', 'msa'],
  ['rhinestone.safe7579.', 'safe7579'],
  ['kernel.advanced.', 'kernel'],
]

/** Kernel v3's "no hook" address, and the one function a validator installed with it may be used for. */
const KERNEL_NO_HOOK: Address = '0x0000000000000000000000000000000000000001'
const ERC7579_EXECUTE_SELECTOR = toFunctionSelector('execute(bytes32,bytes)')
const KERNEL_VALIDATOR_TYPE = 0x01n

const MAX_KEY32 = 0xffff_ffffn
const MAX_KEY16 = 0xffffn
const MAX_KEY24 = 0xff_ffffn

/** `validator (20) ‖ key (4)`: OpenZeppelin's AccountERC7579 (LatchkeyAccount), Rhinestone's MSA, Safe7579. */
const openZeppelinLayout = (kind: Erc7579AccountKind): AccountLayout => ({
  kind,
  nonceKey: (validator, key) => (hexToBigInt(validator) << 32n) | (key & MAX_KEY32),
  validatorInstallData: (initData) => initData,
  hidesValidatorRevert: kind === 'safe7579',
})

/** The layout of each kind. */
export const accountLayouts: Record<Erc7579AccountKind, AccountLayout> = {
  latchkey: openZeppelinLayout('latchkey'),
  msa: openZeppelinLayout('msa'),
  safe7579: openZeppelinLayout('safe7579'),
  erc7579: openZeppelinLayout('erc7579'),
  /** Nexus 1.0.0: `key (3, unused by the account) ‖ mode (1, 0 = validate) ‖ validator (20)`. */
  nexus: {
    kind: 'nexus',
    nonceKey: (validator, key) => ((key & MAX_KEY24) << 168n) | hexToBigInt(validator),
    validatorInstallData: (initData) => initData,
    hidesValidatorRevert: false,
  },
  /**
   * Kernel v3.1: nonce key `mode (1, 0 = default) ‖ type (1, 1 = validator) ‖ validator (20) ‖ key (2)`;
   * install data `hook (20) ‖ abi.encode(validatorData, hookData, selectorData)`, here with no hook and
   * `execute` as the one function the validator may be used for.
   */
  kernel: {
    kind: 'kernel',
    nonceKey: (validator, key) => (KERNEL_VALIDATOR_TYPE << 176n) | (hexToBigInt(validator) << 16n) | (key & MAX_KEY16),
    validatorInstallData: (initData) =>
      concat([KERNEL_NO_HOOK, encodeAbiParameters([{ type: 'bytes' }, { type: 'bytes' }, { type: 'bytes' }], [initData, '0x', ERC7579_EXECUTE_SELECTOR])]),
    hidesValidatorRevert: false,
  },
}

/** The kind of an account from its ERC-7579 `accountId()`; `'erc7579'` when the id is not one the SDK knows. */
export function accountKindFromId(accountId: string): Erc7579AccountKind {
  return ACCOUNT_IDS.find(([prefix]) => accountId.startsWith(prefix))?.[1] ?? 'erc7579'
}

const accountIdAbi = [{ type: 'function', name: 'accountId', stateMutability: 'view', inputs: [], outputs: [{ type: 'string' }] }] as const

/**
 * The layout of `account`: `kind` when given, else read from its `accountId()` (`'erc7579'` when it has none
 * the SDK knows). An account not deployed yet cannot be asked: it is taken to have OpenZeppelin's layout
 * (LatchkeyAccount's); give `kind` for any other.
 */
export async function resolveAccountLayout(
  client: Client<Transport, Chain | undefined>,
  account: Address,
  kind?: Erc7579AccountKind | undefined,
): Promise<AccountLayout> {
  if (kind !== undefined) {
    const layout = accountLayouts[kind]
    if (!layout) throw new InvalidParameterError('accountKind', `${String(kind)} is not one of ${Object.keys(accountLayouts).join(', ')}`)
    return layout
  }
  if (!isAddress(account, { strict: false })) throw new InvalidParameterError('account', `${String(account)} is not an address`)
  const code = await getCode(client, { address: account })
  if (!code || code === '0x') return accountLayouts.erc7579
  const id = await readContract(client, { address: account, abi: accountIdAbi, functionName: 'accountId' }).catch(() => undefined)
  return accountLayouts[id === undefined ? 'erc7579' : accountKindFromId(id)]
}
