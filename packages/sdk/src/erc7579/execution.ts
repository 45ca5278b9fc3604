import {
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  encodeFunctionData,
  encodePacked,
  hexToBigInt,
  pad,
  size,
  slice,
  type Address,
  type Hex,
} from 'viem'
import { InvalidParameterError } from '../errors/userOperation.ts'

/** One call an account makes. */
export type Call = { to: Address; value?: bigint | undefined; data?: Hex | undefined }

/** ERC-7579 `execute(bytes32 mode, bytes executionCalldata)`. */
export const erc7579ExecuteAbi = [
  {
    type: 'function',
    name: 'execute',
    stateMutability: 'payable',
    inputs: [
      { name: 'mode', type: 'bytes32' },
      { name: 'executionCalldata', type: 'bytes' },
    ],
    outputs: [],
  },
] as const

const executionsParameter = [
  {
    type: 'tuple[]',
    components: [
      { name: 'target', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'callData', type: 'bytes' },
    ],
  },
] as const

/** ERC-7579 mode: callType (1 byte) ‖ execType (1) ‖ unused (4) ‖ selector (4) ‖ payload (22). */
export const executionMode = {
  /** callType 0x00 single, execType 0x00 revert on failure. */
  single: pad('0x00', { dir: 'right', size: 32 }),
  /** callType 0x01 batch, execType 0x00 revert on failure. */
  batch: pad('0x01', { dir: 'right', size: 32 }),
} as const

/**
 * The `execute` calldata for `calls`: a single execution for one call, a batch for several.
 * Single: `target (20) ‖ value (32) ‖ data`; batch: `abi.encode(Execution[])`.
 */
export function encodeExecute(calls: readonly Call[]): Hex {
  if (calls.length === 0) throw new InvalidParameterError('calls', 'a userOp needs at least one call')
  if (calls.length === 1) {
    const [call] = calls as [Call]
    return encodeFunctionData({
      abi: erc7579ExecuteAbi,
      functionName: 'execute',
      args: [executionMode.single, encodePacked(['address', 'uint256', 'bytes'], [call.to, call.value ?? 0n, call.data ?? '0x'])],
    })
  }
  const executions = calls.map((c) => ({ target: c.to, value: c.value ?? 0n, callData: c.data ?? '0x' }))
  return encodeFunctionData({
    abi: erc7579ExecuteAbi,
    functionName: 'execute',
    args: [executionMode.batch, encodeAbiParameters(executionsParameter, [executions])],
  })
}

/**
 * The calls inside `execute` calldata: single or batch call type, default (revert) or try exec type, the
 * other 30 mode bytes zero (the modes SessionKeyManager accepts).
 */
export function decodeExecute(data: Hex): Call[] {
  const { args } = decodeFunctionData({ abi: erc7579ExecuteAbi, data })
  const [rawMode, executionCalldata] = args
  // The exec type (byte 1) changes what happens when a call fails, not which calls there are.
  const tryExec = rawMode.slice(4, 6) === '01'
  const mode = tryExec ? (`${rawMode.slice(0, 4)}00${rawMode.slice(6)}` as Hex) : rawMode
  if (mode === executionMode.single) {
    if (size(executionCalldata) < 52) throw new InvalidParameterError('executionCalldata', 'shorter than 52 bytes')
    return [
      {
        to: slice(executionCalldata, 0, 20),
        value: hexToBigInt(slice(executionCalldata, 20, 52)),
        data: size(executionCalldata) > 52 ? slice(executionCalldata, 52) : '0x',
      },
    ]
  }
  if (mode === executionMode.batch) {
    const [executions] = decodeAbiParameters(executionsParameter, executionCalldata)
    return executions.map((e) => ({ to: e.target, value: e.value, data: e.callData }))
  }
  throw new InvalidParameterError('mode', `unsupported ERC-7579 execution mode ${rawMode}`)
}

/**
 * Whether `data` is the one canonical encoding of the calls it holds: re-encoded under its own mode word, the
 * same bytes. A strict check for whoever signs what it decodes (a signer node): a lax decoder reads a batch
 * execution whose target has dirty upper bytes as a clean address, where the account's Solidity decoder
 * reverts; offsets pointing elsewhere or bytes after the encoding are other encodings of the same calls.
 * False also for calldata that does not decode.
 */
export function isCanonicalExecute(data: Hex): boolean {
  let calls: Call[]
  let rawMode: Hex
  try {
    calls = decodeExecute(data)
    rawMode = decodeFunctionData({ abi: erc7579ExecuteAbi, data }).args[0]
  } catch {
    return false
  }
  const batch = rawMode.slice(2, 4) === '01'
  const executionCalldata = batch
    ? encodeAbiParameters(executionsParameter, [calls.map((call) => ({ target: call.to, value: call.value ?? 0n, callData: call.data ?? '0x' }))])
    : encodePacked(['address', 'uint256', 'bytes'], [calls[0]!.to, calls[0]!.value ?? 0n, calls[0]!.data ?? '0x'])
  return encodeFunctionData({ abi: erc7579ExecuteAbi, functionName: 'execute', args: [rawMode, executionCalldata] }).toLowerCase() === data.toLowerCase()
}
