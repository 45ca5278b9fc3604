import { decodeAbiParameters, domainSeparator, encodeAbiParameters, type Address, type Hex, type TypedData, type TypedDataDomain } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { InvalidParameterError } from '../errors/userOperation.ts'
import type { Permission } from '../sessions/session.ts'
import { typedDataDependencies, typedDataTypeHash } from './typedDataEncoding.ts'

/** A typed-data permission's selector: ERC-1271's `isValidSignature` (no call can use the permission). */
export const TYPED_DATA_SELECTOR: Hex = '0x1626ba7e'

/** One (application domain, contents type) a session may sign, e.g. Permit2's `PermitSingle` on this chain. */
export type TypedDataScopeEntry = {
  domain: TypedDataDomain
  types: TypedData | Record<string, readonly { name: string; type: string }[]>
  primaryType: string
}

/**
 * ERC-7739's `contentsDescr` in its explicit form: every type the contents use, in EIP-712 order (sorted by
 * name, as a wallet's `encodeType` of `TypedDataSign` lists them), then the contents' name. The nested signature
 * carries it.
 */
export function typedDataContentsDescr({ types, primaryType }: Pick<TypedDataScopeEntry, 'types' | 'primaryType'>): string {
  const all = types as Record<string, readonly { name: string; type: string }[]>
  if (all[primaryType] === undefined) throw new InvalidParameterError('primaryType', `${primaryType} is not among the types`)
  const used = [...typedDataDependencies(all, primaryType)].sort()
  return `${used.map((name) => `${name}(${all[name]!.map((f) => `${f.type} ${f.name}`).join(',')})`).join('')}${primaryType}`
}

/** The scope pair of an entry: `(appDomainSeparator, typeHash)`, typeHash the contents type's EIP-712 typeHash. */
export function typedDataScopePair(entry: TypedDataScopeEntry): [Hex, Hex] {
  return [domainSeparator({ domain: entry.domain }), typedDataTypeHash(entry.types as Record<string, readonly { name: string; type: string }[]>, entry.primaryType)]
}

/**
 * A permission to sign EIP-712 typed data for the account (scoped ERC-1271): only of the listed application
 * domains and contents types, checked by SessionTypedDataValidator (which the account must have installed as a
 * validator) and wrapped per ERC-7739, so a signature serves only this account. Sessions without it never sign
 * for the account. Field values are not restricted: a `PermitSingle` scope allows any token, amount and spender
 * of that type in that domain, so list a token's own domain where you can and keep the session short.
 *
 * @example
 * typedDataPermission({ scope: [{ domain: permit2Domain, types: permit2Types, primaryType: 'PermitSingle' }] })
 */
export function typedDataPermission(parameters: { scope: readonly TypedDataScopeEntry[]; module?: Address | undefined }): Permission {
  if (parameters.scope.length === 0) throw new InvalidParameterError('scope', 'list at least one (domain, type) the session may sign')
  const module = parameters.module ?? latchkeyModules.sessionTypedDataValidator
  return {
    target: module,
    selector: TYPED_DATA_SELECTOR,
    valueLimit: 0n,
    policy: module,
    policyConfig: encodeAbiParameters([{ type: 'bytes32[]' }], [parameters.scope.flatMap(typedDataScopePair)]),
  }
}

/** The scope pairs of a typed-data permission, or undefined when `permission` is not one (for `module`). */
export function typedDataScopeOf(permission: Permission, module: Address = latchkeyModules.sessionTypedDataValidator): [Hex, Hex][] | undefined {
  const same = (a: Address) => a.toLowerCase() === module.toLowerCase()
  if (!same(permission.target) || !same(permission.policy) || permission.selector.toLowerCase() !== TYPED_DATA_SELECTOR) return undefined
  try {
    const [flat] = decodeAbiParameters([{ type: 'bytes32[]' }], permission.policyConfig)
    return Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!] as [Hex, Hex])
  } catch {
    return []
  }
}
