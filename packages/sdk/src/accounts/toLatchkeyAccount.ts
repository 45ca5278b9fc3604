import {
  encodeAbiParameters,
  encodeFunctionData,
  isAddress,
  numberToHex,
  pad,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type JsonRpcAccount,
  type LocalAccount,
  type Transport,
} from 'viem'
import {
  entryPoint07Abi,
  entryPoint07Address,
  toSmartAccount,
  type SmartAccount,
  type SmartAccountImplementation,
} from 'viem/account-abstraction'
import { readContract } from 'viem/actions'
import { latchkeyAccountFactoryAbi } from '@latchkey/contracts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import { decodeExecute, encodeExecute } from '../erc7579/execution.ts'
import { measuredVerificationGas } from '../userOperation/measuredVerificationGas.ts'
import { useFixedNonceKey } from './fixedNonceKey.ts'
import { latchkeyOwnerSigning, OWNER_STUB_SIGNATURE } from './latchkeyOwnerSigning.ts'
import { latchkeyAccountAddress, type ModuleInit } from './latchkeyAccountAddress.ts'
import { OWNER_NONCE_KEY, validatorNonceKey } from './nonceKey.ts'

/** ERC-7579 module type id of validators. */
export const MODULE_TYPE_VALIDATOR = 1n

export type ToLatchkeyAccountParameters = {
  /** A client of the account's chain (reads the nonce and the factory). */
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>
  /** The owner key. It signs userOps (EIP-191 of the userOpHash) and ERC-1271 messages (ERC-7739). */
  owner: LocalAccount
  /** The LatchkeyAccountFactory. */
  factory: Address
  /** The factory's implementation; read from the factory once when omitted. */
  implementation?: Address | undefined
  /** Distinguishes several accounts of one owner. Default 0. */
  salt?: bigint | Hex | undefined
  /**
   * Validate the owner's userOps through this OwnerValidator module instead of the account's built-in
   * owner path. The module is installed at deployment. Default: the built-in path, which is cheaper.
   */
  ownerValidator?: Address | undefined
  /** More modules to install at deployment (they change the address). */
  modules?: readonly ModuleInit[] | undefined
  /** The 4-byte key under the validator in the nonce key. Keep it fixed: a new key costs ≈17k gas once. */
  nonceKey?: bigint | undefined
  /**
   * How verificationGasLimit is found: `'measure'` (default) replays the really signed op through the
   * EntryPoint with `eth_call` (see {@link sizeVerificationGas}); `'bundler'` takes the bundler's estimate.
   */
  verificationGas?: 'measure' | 'bundler' | undefined
}

export type LatchkeyAccountImplementation = SmartAccountImplementation<
  typeof entryPoint07Abi,
  '0.7',
  { owner: LocalAccount; nonceKey: bigint; modules: readonly ModuleInit[] },
  false
>

export type ToLatchkeyAccountReturnType = SmartAccount<LatchkeyAccountImplementation>


/**
 * A viem `SmartAccount` for the Latchkey reference account (an ERC-7579 account on EntryPoint v0.7),
 * owned by an ECDSA key and deployed by the first userOp.
 *
 * @example
 * const account = await toLatchkeyAccount({
 *   client: publicClient,
 *   owner: privateKeyToAccount(ownerKey),
 *   factory: devnet.contracts.accountFactory,
 * })
 * const bundler = createBundlerClient({ account, client: publicClient, transport: http(devnet.bundlerUrl) })
 * const hash = await bundler.sendUserOperation({ calls: [{ to, value: 1n }] })
 */
export async function toLatchkeyAccount(parameters: ToLatchkeyAccountParameters): Promise<ToLatchkeyAccountReturnType> {
  const { client, owner, factory } = parameters
  if (!isAddress(factory, { strict: false })) throw new InvalidParameterError('factory', `${factory} is not an address`)
  const salt = typeof parameters.salt === 'string' ? pad(parameters.salt, { size: 32 }) : numberToHex(parameters.salt ?? 0n, { size: 32 })
  const key32 = parameters.nonceKey ?? 0n
  const validator = parameters.ownerValidator
  const modules: ModuleInit[] = [
    ...(validator
      ? [{ moduleTypeId: MODULE_TYPE_VALIDATOR, module: validator, initData: encodeAbiParameters([{ type: 'address' }], [owner.address]) }]
      : []),
    ...(parameters.modules ?? []),
  ]
  const nonceKey = validator ? validatorNonceKey(validator, key32) : validatorNonceKey('0x0000000000000000000000000000000000000000', key32)

  const implementation =
    parameters.implementation ??
    (await readContract(client, { address: factory, abi: latchkeyAccountFactoryAbi, functionName: 'implementation' }))
  const address = latchkeyAccountAddress({ factory, implementation, owner: owner.address, modules, salt })
  const factoryData = encodeFunctionData({ abi: latchkeyAccountFactoryAbi, functionName: 'createAccount', args: [owner.address, modules, salt] })
  const entryPoint = { abi: entryPoint07Abi, address: entryPoint07Address, version: '0.7' } as const
  const signing = latchkeyOwnerSigning({ client, owner, address, domainName: 'LatchkeyAccount' })
  const account = await toSmartAccount({
    client,
    entryPoint,
    extend: { owner, nonceKey, modules },

    async getAddress() {
      return address
    },

    async encodeCalls(calls) {
      return encodeExecute(calls)
    },

    async decodeCalls(data) {
      return decodeExecute(data)
    },

    async getFactoryArgs() {
      return { factory, factoryData }
    },

    async getStubSignature() {
      return OWNER_STUB_SIGNATURE
    },

    signMessage: signing.signMessage,
    signTypedData: signing.signTypedData,

    userOperation: parameters.verificationGas === 'bundler' ? undefined : measuredVerificationGas(client, address, (op) => signing.signUserOperation(op)),

    async signUserOperation(userOperation) {
      return signing.signUserOperation(userOperation)
    },
  })

  useFixedNonceKey(account, client, address, nonceKey)
  return account
}

export { OWNER_NONCE_KEY }
