import {
  concat,
  domainSeparator,
  encodeAbiParameters,
  encodePacked,
  hashStruct,
  hashTypedData,
  keccak256,
  size,
  stringToHex,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type LocalAccount,
  type Transport,
  type TypedDataDefinition,
} from 'viem'
import { readContract } from 'viem/actions'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { encodeSession } from '../sessions/sessionEncoding.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { toSessionSigner, type SessionSigner } from '../signers/sessionSigner.ts'
import { typedDataContentsDescr, typedDataScopeOf } from '../typedData/typedDataScope.ts'
import { typedDataEncodedFields, typedDataTypeHash } from '../typedData/typedDataEncoding.ts'

/** The session may not sign this typed data: no typed-data permission lists its domain and type. Nothing was signed. */
export class TypedDataOutOfScopeError extends LatchkeyError {
  override name = 'TypedDataOutOfScopeError'
  readonly rule = 'typed-data-scope'
  constructor(
    readonly sessionDigest: Hex,
    readonly primaryType: string,
    readonly domainSeparator: Hex,
  ) {
    super(`Session ${sessionDigest.slice(0, 10)}… may not sign ${primaryType} typed data of domain ${domainSeparator}: its typed-data permissions do not list that (domain, type).`, {
      metaMessages: ['Rule: typed-data-scope', `Session: ${sessionDigest}`],
    })
  }
}

const eip712DomainAbi = [
  {
    type: 'function',
    name: 'eip712Domain',
    stateMutability: 'view',
    inputs: [],
    outputs: [
      { name: 'fields', type: 'bytes1' },
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
      { name: 'salt', type: 'bytes32' },
      { name: 'extensions', type: 'uint256[]' },
    ],
  },
] as const

export type SignTypedDataWithSessionParameters = {
  grant: SessionGrant
  signer: LocalAccount | SessionSigner
  /** What the application asks the account to sign (its domain, types, primary type and message). */
  typedData: TypedDataDefinition
  /** The SessionTypedDataValidator installed on the account. Default: `latchkeyModules.sessionTypedDataValidator`. */
  module?: Address | undefined
}

/**
 * Signs typed data for the account with a session (scoped ERC-1271): returns the signature to hand to the
 * application, which checks it with the account's `isValidSignature(hashTypedData(typedData), signature)`.
 * Refused first, with {@link TypedDataOutOfScopeError}, when no typed-data permission of the session lists the
 * data's domain and type. The session signer signs (as it signs userOps: EIP-191 of 32 bytes) ERC-7739's
 * `TypedDataSign` hash under the account's own EIP-712 domain, read from the account (ERC-5267), so that the
 * signature holds for this account only.
 */
export async function signTypedDataWithSession(client: Client<Transport, Chain | undefined>, parameters: SignTypedDataWithSessionParameters): Promise<Hex> {
  const { grant, typedData } = parameters
  const module = parameters.module ?? latchkeyModules.sessionTypedDataValidator
  const { domain, types, primaryType } = parts(typedData)
  const appSeparator = domainSeparator({ domain })
  const pair = typedDataTypeHash(types, primaryType)
  const inScope = grant.session.permissions.some((p) => typedDataScopeOf(p, module)?.some(([d, c]) => d.toLowerCase() === appSeparator.toLowerCase() && c === pair))
  if (!inScope) throw new TypedDataOutOfScopeError(grant.digest, primaryType, appSeparator)
  const signature = await toSessionSigner(parameters.signer).signSessionHash(await sessionTypedDataHash(client, grant, typedData))
  return encodeSessionTypedDataSignature({ grant, typedData, signature, module })
}

type TypedDataParts = { domain: Record<string, unknown>; types: Record<string, readonly { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> }
const parts = (typedData: TypedDataDefinition): TypedDataParts => {
  const { domain = {}, types, primaryType, message } = typedData as unknown as Partial<TypedDataParts> & Omit<TypedDataParts, 'domain'>
  return { domain, types, primaryType, message }
}

/**
 * What a session signer signs (EIP-191 of it) for `typedData` on the grant's account: `keccak256(abi.encode(
 * sessionDigest, h))`, h being ERC-7739's `TypedDataSign` hash, the contents nested under the account's EIP-712
 * domain (read from the account, ERC-5267). Bound to the account and to the session. No scope check.
 */
export async function sessionTypedDataHash(client: Client<Transport, Chain | undefined>, grant: Pick<SessionGrant, 'account' | 'digest'>, typedData: TypedDataDefinition): Promise<Hex> {
  const { domain, types, primaryType, message } = parts(typedData)
  const [, name, version, chainId, verifyingContract, salt] = await readContract(client, { address: grant.account, abi: eip712DomainAbi, functionName: 'eip712Domain' })
  const nested = hashTypedData({
    domain,
    types: {
      ...types,
      TypedDataSign: [
        { name: 'contents', type: primaryType },
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
        { name: 'salt', type: 'bytes32' },
      ],
    },
    primaryType: 'TypedDataSign',
    message: { contents: message, name, version, chainId, verifyingContract, salt },
  } as TypedDataDefinition)
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [grant.digest, nested]))
}

/**
 * The account's ERC-1271 signature from a session signer's signature of {@link sessionTypedDataHash}:
 * `module ‖ abi.encode(manager, session, proof, ERC-7739 nested signature, the contents' encodeData without its
 * typeHash)`. No scope check.
 */
export function encodeSessionTypedDataSignature(parameters: { grant: SessionGrant; typedData: TypedDataDefinition; signature: Hex; module?: Address | undefined }): Hex {
  const { grant } = parameters
  const { domain, types, primaryType, message } = parts(parameters.typedData)
  const contentsHash = hashStruct({ data: message, types, primaryType } as Parameters<typeof hashStruct>[0])
  const descr = stringToHex(typedDataContentsDescr({ types, primaryType }))
  const nested = encodePacked(['bytes', 'bytes32', 'bytes32', 'bytes', 'uint16'], [parameters.signature, domainSeparator({ domain }), contentsHash, descr, size(descr)])
  const proof = grant.grant.type === 'root' ? concat(['0x', ...grant.grant.proof]) : '0x'
  return concat([
    parameters.module ?? latchkeyModules.sessionTypedDataValidator,
    encodeAbiParameters(
      [{ type: 'address' }, { type: 'bytes' }, { type: 'bytes' }, { type: 'bytes' }, { type: 'bytes' }],
      [grant.manager, encodeSession(grant.session), proof, nested, typedDataEncodedFields(types, primaryType, message)],
    ),
  ])
}
