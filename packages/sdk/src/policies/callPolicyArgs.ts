import type { Abi, AbiFunction, AbiParameter, Address, ContractFunctionName, Hex } from 'viem'
import type { BytesSlice, Condition, ParamLimit } from './conditions.ts'

/*
 * The types of `callPolicy`'s `functionName` and `args`, computed from a const ABI (types only; the run-time
 * twin is paramRules.ts). With an ABI that is not const (`Abi`), every name and every condition shape is
 * accepted and checked at run time only.
 */

/** Integer parameters take `number` or `bigint` values. */
type IntegerValue = number | bigint

/**
 * Conditions on a scalar: one, or an array of them that must all hold. `limit` is {@link ParamLimit} for
 * unsigned integers (the running totals `total()` / `perPeriod()` can be mixed in), never otherwise.
 */
export type ScalarConditions<value, limit = never> = Condition<value> | limit | readonly (Condition<value> | limit)[]

/** The value conditions compare a scalar ABI type with: `Address`, `boolean`, `number | bigint`, `Hex` (bytesN). */
export type ScalarValue<type extends string> = type extends 'address'
  ? Address
  : type extends 'bool'
    ? boolean
    : type extends `uint${string}` | `int${string}`
      ? IntegerValue
      : type extends `bytes${string}`
        ? Hex
        : never

/** Conditions on the length word of a dynamic array, `bytes` or `string` (a uint256). */
export type LengthConditions = ScalarConditions<IntegerValue, ParamLimit>

/** Conditions on a `bytes` or `string` parameter: slices directly, or `{ length, slice }`. */
export type BytesConditions =
  | ScalarConditions<BytesSlice>
  | {
      /** Conditions on the length in bytes. */
      length?: LengthConditions | undefined
      /** Conditions on slices of the content ({@link sliceEq}, or {@link anyOf} of them). */
      slice?: ScalarConditions<BytesSlice> | undefined
    }

/** Conditions on elements of a static array `T[k]`: by index, the first, the last. */
export type StaticArrayConditions<element> = {
  first?: element | undefined
  last?: element | undefined
  at?: { readonly [index: number]: element } | undefined
}

/** Conditions on a dynamic array `T[]`: its length and elements by index, the first, the last. */
export type DynamicArrayConditions<element> = {
  length?: LengthConditions | undefined
  first?: element | undefined
  last?: element | undefined
  at?: { readonly [index: number]: element } | undefined
}

/** Conditions of any shape: what an ABI that is not const takes (checked at run time). */
export type AnyParamConditions =
  | Condition
  | ParamLimit
  | readonly (AnyParamConditions | undefined)[]
  | { readonly [key: string]: AnyParamConditions | { readonly [index: number]: AnyParamConditions } | undefined }

/**
 * The conditions one ABI parameter takes: scalars {@link ScalarConditions}; tuples an object keyed by
 * component name (a positional array when a component has no name); arrays
 * {@link DynamicArrayConditions} / {@link StaticArrayConditions} of the element's conditions; `bytes` and
 * `string` {@link BytesConditions}.
 */
export type ParamConditions<param> = [AbiParameter] extends [param]
  ? AnyParamConditions
  : param extends { readonly type: infer type extends string }
  ? string extends type
    ? AnyParamConditions
    : type extends `${string}]`
      ? ArrayConditions<param, type>
      : type extends 'tuple'
        ? TupleConditions<param>
        : type extends 'bytes' | 'string'
          ? BytesConditions
          : type extends `uint${string}`
            ? ScalarConditions<IntegerValue, ParamLimit>
            : ScalarConditions<ScalarValue<type>>
  : never

/** `[element type, size]` of an array type: `'uint256[2][]'` → `['uint256[2]', '']`. */
type LastDimension<type extends string, head extends string = ''> = type extends `${infer before}[${infer after}`
  ? after extends `${string}[${string}`
    ? LastDimension<after, `${head}${before}[`>
    : [`${head}${before}`, after extends `${infer count}]` ? count : never]
  : never

type ElementParam<param, element extends string> = param extends { readonly components: infer components }
  ? { type: element; components: components }
  : { type: element }

type ArrayConditions<param, type extends string> =
  LastDimension<type> extends [infer element extends string, infer count extends string]
    ? count extends ''
      ? DynamicArrayConditions<ParamConditions<ElementParam<param, element>>>
      : StaticArrayConditions<ParamConditions<ElementParam<param, element>>>
    : never

/** Whether every component has a (non-empty) name. */
type AllNamed<components extends readonly unknown[]> = components[number] extends { readonly name: infer name extends string }
  ? '' extends name
    ? false
    : true
  : false

type TupleConditions<param> = param extends { readonly components: infer components extends readonly unknown[] }
  ? AllNamed<components> extends true
    ? { [component in components[number] as component extends { readonly name: infer name extends string } ? name : never]?: ParamConditions<component> | undefined }
    : { readonly [i in keyof components]?: ParamConditions<components[i]> | undefined }
  : never

/** `name(type,…)` of an ABI function, as Solidity writes it for the selector (tuples as `(…)`). */
export type FunctionSignature<fn> = fn extends { readonly name: infer name extends string; readonly inputs: infer inputs extends readonly unknown[] }
  ? `${name}(${FormatTypes<inputs>})`
  : never

type FormatTypes<params extends readonly unknown[]> = params extends readonly [infer first, ...infer rest]
  ? rest extends readonly []
    ? FormatType<first>
    : `${FormatType<first>},${FormatTypes<rest>}`
  : ''

type FormatType<param> = param extends { readonly type: `tuple${infer suffix}`; readonly components: infer components extends readonly unknown[] }
  ? `(${FormatTypes<components>})${suffix}`
  : param extends { readonly type: infer type extends string }
    ? type
    : never

type AbiFunctions<abi> = abi extends Abi ? Extract<abi[number], { type: 'function' }> : AbiFunction

/**
 * What `functionName` takes: a function's name, or its full signature (`'swap(uint256,address)'`) to pick
 * one of several functions of the same name.
 */
export type CallPolicyFunctionName<abi extends Abi | readonly unknown[] = Abi> =
  | ContractFunctionName<abi>
  | (AbiFunctions<abi> extends infer fn ? (fn extends AbiFunction ? (string extends fn['name'] ? `${string}(${string})` : FunctionSignature<fn>) : never) : never)

/** The functions of `abi` that `functionName` names (several when it is an overloaded name). */
export type SelectedFunctions<abi extends Abi | readonly unknown[], functionName extends string> =
  AbiFunctions<abi> extends infer fn ? (fn extends AbiFunction ? (functionName extends fn['name'] | FunctionSignature<fn> ? fn : never) : never) : never

/**
 * `args` of `callPolicy`: one entry per input of the function, `undefined` (no rule) or that parameter's
 * {@link ParamConditions}. For an overloaded name, a union of every overload's (checked at run time).
 */
export type CallPolicyArgs<abi extends Abi | readonly unknown[] = Abi, functionName extends string = string> =
  SelectedFunctions<abi, functionName> extends infer fn
    ? fn extends { readonly inputs: infer inputs extends readonly unknown[] }
      ? { readonly [i in keyof inputs]: ParamConditions<inputs[i]> | undefined }
      : never
    : never
