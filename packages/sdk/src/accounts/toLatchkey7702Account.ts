import { size, slice, type Address, type Chain, type Client, type Hex, type JsonRpcAccount, type LocalAccount, type Transport } from 'viem'
import { entryPoint07Abi, entryPoint07Address, toSmartAccount, type SmartAccount, type SmartAccountImplementation } from 'viem/account-abstraction'
import { getCode } from 'viem/actions'
import type { PrivateKeyAccount } from 'viem/accounts'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { decodeExecute, encodeExecute } from '../erc7579/execution.ts'
import { measuredVerificationGas } from '../userOperation/measuredVerificationGas.ts'
import { useFixedNonceKey } from './fixedNonceKey.ts'
import { latchkeyOwnerSigning, OWNER_STUB_SIGNATURE } from './latchkeyOwnerSigning.ts'
import { validatorNonceKey } from './nonceKey.ts'

export type ToLatchkey7702AccountParameters = {
  /** A client of the chain (Prague or later: EIP-7702). */
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>
  /** The EOA's key (it signs the EIP-7702 authorization too): the account is the EOA itself, and this key its owner. */
  owner: PrivateKeyAccount
  /** The LatchkeyAccount7702 implementation to delegate to. Default: `latchkeyModules.latchkeyAccount7702`. */
  implementation?: Address | undefined
  /**
   * When the EOA is delegated to another contract now: `false` (default) refuses to act
   * ({@link Eip7702DelegationError}); `true` delegates it to the Latchkey implementation with the next userOp.
   * Another implementation's state stays in the EOA's storage (docs/accounts.md, "EIP-7702 accounts").
   */
  redelegate?: boolean | undefined
  /** The 4-byte key under the validator in the nonce key. Default 0. */
  nonceKey?: bigint | undefined
}

export type LatchkeyAccount7702Implementation = SmartAccountImplementation<typeof entryPoint07Abi, '0.7', { owner: PrivateKeyAccount; nonceKey: bigint }, true>

export type ToLatchkey7702AccountReturnType = SmartAccount<LatchkeyAccount7702Implementation>

/** The EOA is delegated to a contract that is not the Latchkey implementation asked for: nothing was signed or sent. */
export class Eip7702DelegationError extends LatchkeyError {
  override name = 'Eip7702DelegationError'
  constructor(
    readonly account: Address,
    readonly delegate: Address | undefined,
    readonly implementation: Address,
  ) {
    super(
      delegate === undefined
        ? `${account} has code that is not an EIP-7702 delegation: it is a contract, not an EOA.`
        : `${account} is delegated to ${delegate}, not to the Latchkey implementation ${implementation}: pass \`redelegate: true\` to delegate it again (its storage is kept), or use that implementation's own SDK.`,
    )
  }
}

/** EIP-7702's delegation designator: `0xef0100 ‖ address`. */
const DESIGNATOR = '0xef0100'

/** Where an EOA's code delegates (EIP-7702), `null` for no code, `undefined` for code that is no delegation. */
export function delegationOf(code: Hex | undefined): Address | null | undefined {
  if (code === undefined || code === '0x') return null
  if (size(code) !== 23 || slice(code, 0, 3).toLowerCase() !== DESIGNATOR) return undefined
  return slice(code, 3)
}

/**
 * A viem `SmartAccount` for an EOA that delegates to LatchkeyAccount7702 (EIP-7702): the account's address is
 * the EOA's, its owner the EOA's key; the first userOp carries the signed authorization (viem signs it; the
 * bundler sends it in a type-4 transaction), and everything else is as on a LatchkeyAccount: the owner path,
 * ERC-7739 signatures, sessions once the SessionKeyManager is installed (`grantSessions` installs it).
 *
 * @example
 * const account = await toLatchkey7702Account({ client: publicClient, owner: privateKeyToAccount(eoaKey) })
 * await grantSessions(bundlerClient, { account, manager, sessions: [session] })
 */
export async function toLatchkey7702Account(parameters: ToLatchkey7702AccountParameters): Promise<ToLatchkey7702AccountReturnType> {
  const { client, owner } = parameters
  const implementation = parameters.implementation ?? latchkeyModules.latchkeyAccount7702
  const address = owner.address
  const nonceKey = validatorNonceKey('0x0000000000000000000000000000000000000000', parameters.nonceKey ?? 0n)
  const signing = latchkeyOwnerSigning({ client, owner, address, domainName: 'LatchkeyAccount7702' })
  /** Whether the EOA delegates to the implementation now; refuses another delegate unless `redelegate`. */
  const isDelegated = async () => {
    const delegate = delegationOf(await getCode(client, { address }))
    if (delegate === null) return false
    if (delegate !== undefined && delegate.toLowerCase() === implementation.toLowerCase()) return true
    if (delegate !== undefined && parameters.redelegate) return false
    throw new Eip7702DelegationError(address, delegate, implementation)
  }
  const measured = measuredVerificationGas(client, address, (op) => signing.signUserOperation(op))

  const account = await toSmartAccount({
    client,
    entryPoint: { abi: entryPoint07Abi, address: entryPoint07Address, version: '0.7' },
    authorization: { account: owner, address: implementation },
    extend: { owner, nonceKey },
    async getAddress() {
      return address
    },
    async encodeCalls(calls) {
      return encodeExecute(calls)
    },
    async decodeCalls(data) {
      return decodeExecute(data)
    },
    // EntryPoint v0.7 knows no EIP-7702 marker: the authorization travels beside the op, not in its initCode.
    async getFactoryArgs() {
      return { factory: undefined, factoryData: undefined }
    },
    async getStubSignature() {
      return OWNER_STUB_SIGNATURE
    },
    signMessage: signing.signMessage,
    signTypedData: signing.signTypedData,
    // Before the delegation exists the op cannot be replayed here (the EOA has no code yet): the bundler,
    // which simulates with the authorization, estimates it.
    userOperation: {
      async estimateGas(request) {
        return (await isDelegated()) ? measured.estimateGas(request) : undefined
      },
    },
    async signUserOperation(userOperation) {
      return signing.signUserOperation(userOperation)
    },
  })
  // Deployed means delegated to this implementation: viem then sends no authorization.
  account.isDeployed = isDelegated
  useFixedNonceKey(account, client, address, nonceKey)
  return account
}
