import { concat, keccak256, pad, stringToHex, zeroHash, type Address, type Chain, type Client, type Hex, type JsonRpcAccount, type LocalAccount, type Transport } from 'viem'
import { entryPoint07Address, getUserOperationHash, type UserOperation } from 'viem/account-abstraction'
import { signMessage as signErc7739Message, signTypedData as signErc7739TypedData } from 'viem/experimental/erc7739'

/** A stand-in owner signature with the real one's length and a low s, so that estimation runs the real code path. */
export const OWNER_STUB_SIGNATURE = concat([keccak256(stringToHex('latchkey stub signature')), pad('0x01'), '0x1b'])

type OwnerSigningParameters = {
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>
  owner: LocalAccount
  /** The account's address (a clone's, or the EOA's own for EIP-7702). */
  address: Address
  /** The account's EIP-712 name (`LatchkeyAccount`, `LatchkeyAccount7702`): its `eip712Domain()`. */
  domainName: string
}

/**
 * How an owner key signs for a Latchkey account (LatchkeyAccountCore): userOps as EIP-191 of the userOpHash,
 * ERC-1271 messages and typed data as ERC-7739 nested signatures bound to the account's domain, which is known
 * offline so that signing needs no RPC and works before the account exists.
 */
export function latchkeyOwnerSigning({ client, owner, address, domainName }: OwnerSigningParameters) {
  const chainId = async () => client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const verifierDomain = async () => ({ name: domainName, version: '1', chainId: await chainId(), verifyingContract: address, salt: zeroHash })
  return {
    async signMessage({ message }: { message: Parameters<typeof signErc7739Message>[1]['message'] }): Promise<Hex> {
      return signErc7739Message(client, { account: owner, message, verifierDomain: await verifierDomain() })
    },
    async signTypedData(typedData: unknown): Promise<Hex> {
      const { domain, types, primaryType, message } = typedData as Parameters<typeof signErc7739TypedData>[1]
      return signErc7739TypedData(client, { account: owner, domain, types, primaryType, message, verifierDomain: await verifierDomain() } as Parameters<typeof signErc7739TypedData>[1])
    },
    async signUserOperation(userOperation: Omit<UserOperation<'0.7'>, 'signature' | 'sender'> & { chainId?: number | undefined; sender?: Address | undefined; signature?: Hex | undefined }): Promise<Hex> {
      const { chainId: opChainId, ...op } = userOperation
      const userOpHash = getUserOperationHash({
        chainId: opChainId ?? (await chainId()),
        entryPointAddress: entryPoint07Address,
        entryPointVersion: '0.7',
        userOperation: { ...op, sender: address } as UserOperation<'0.7'>,
      })
      return owner.signMessage({ message: { raw: userOpHash } })
    },
  }
}
