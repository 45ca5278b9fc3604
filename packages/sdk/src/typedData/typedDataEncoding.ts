import { concat, encodeAbiParameters, hashStruct, keccak256, stringToHex, type Hex } from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

type Fields = readonly { name: string; type: string }[]
type Types = Record<string, Fields>

/** The struct types `primaryType` uses, itself included (EIP-712 `encodeType`'s dependency set). */
export function typedDataDependencies(types: Types, primaryType: string, found = new Set<string>()): Set<string> {
  const base = primaryType.replace(/(\[\d*\])+$/, '') // an array's element type
  if (found.has(base) || types[base] === undefined) return found
  found.add(base)
  for (const field of types[base]) typedDataDependencies(types, field.type, found)
  return found
}

const definition = (types: Types, name: string) => `${name}(${types[name]!.map((f) => `${f.type} ${f.name}`).join(',')})`

/** EIP-712 `typeHash` of `primaryType`: keccak256 of its definition, then those it uses, sorted by name. */
export function typedDataTypeHash(types: Types, primaryType: string): Hex {
  if (types[primaryType] === undefined) throw new InvalidParameterError('primaryType', `${primaryType} is not among the types`)
  const used = [...typedDataDependencies(types, primaryType)].filter((name) => name !== primaryType).sort()
  return keccak256(stringToHex([primaryType, ...used].map((name) => definition(types, name)).join('')))
}

/** One field's 32-byte EIP-712 encoding: a struct's hash, keccak256 of bytes, strings and arrays, else the ABI word. */
function encodeField(types: Types, type: string, value: unknown): Hex {
  if (types[type] !== undefined) return hashStruct({ data: value as Record<string, unknown>, types, primaryType: type } as Parameters<typeof hashStruct>[0])
  if (type === 'bytes') return keccak256(value as Hex)
  if (type === 'string') return keccak256(stringToHex(value as string))
  const array = /^(.*)\[\d*\]$/.exec(type)
  if (array) return keccak256(concat(['0x', ...(value as unknown[]).map((item) => encodeField(types, array[1]!, item))]))
  return encodeAbiParameters([{ type }], [value])
}

/**
 * EIP-712 `encodeData` of a struct without its leading typeHash: what SessionTypedDataValidator hashes with a
 * scope's typeHash to check that the contents are of that type. Checked here against viem's `hashStruct`.
 */
export function typedDataEncodedFields(types: Types, primaryType: string, message: Record<string, unknown>): Hex {
  const fields = types[primaryType]
  if (fields === undefined) throw new InvalidParameterError('primaryType', `${primaryType} is not among the types`)
  const encoded = concat(['0x', ...fields.map((field) => encodeField(types, field.type, message[field.name]))])
  if (keccak256(concat([typedDataTypeHash(types, primaryType), encoded])) !== hashStruct({ data: message, types, primaryType } as Parameters<typeof hashStruct>[0])) {
    throw new InvalidParameterError('typedData', `${primaryType} could not be encoded as EIP-712 does (a type this encoder does not know?)`)
  }
  return encoded
}

