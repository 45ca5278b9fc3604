import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  type Address,
  type Chain,
  type Client,
  type Hex,
  type Transport,
} from 'viem'
import { entryPoint07Abi, entryPoint07Address, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { call, getBlock } from 'viem/actions'
import { callPolicyAbi, erc20PolicyAbi, gasPolicyAbi, latchkeyAccountAbi, sessionKeyManagerAbi, streamPolicyAbi, usageLimitPolicyAbi } from '@latchkey/contracts'

/** What EntryPoint v0.7 does with one userOp, run as `eth_call` of `handleOps([op])` on the current state. */
export type ReplayOutcome =
  | { ok: true }
  /** The EntryPoint refused the op: `code` is its AAxx code ("AA24"), `reason` its whole message. */
  | { ok: false; code: string | undefined; reason: string; innerRevert?: Hex | undefined }

/** Any address without code may submit a bundle in an `eth_call` (handleOps wants an EOA caller). */
const REPLAY_CALLER: Address = '0x000000000000000000000000000000000000dEaD'

export type ReplayHandleOpsParameters = {
  userOperation: UserOperation<'0.7'>
  /** The block time to replay at (see {@link replayTime}). Default: computed for this replay. */
  time?: bigint | undefined
}

/**
 * The time an op sent now would be validated at: the later of this machine's clock and one second after
 * the latest block. Replaying at the latest block's own time would call an op not yet due when its window
 * (a period, a session) began after that block: on a chain that mines only on demand that block can be old.
 */
export async function replayTime(client: Client<Transport, Chain | undefined>): Promise<bigint> {
  const latest = await getBlock(client, { blockTag: 'latest' })
  const now = BigInt(Math.floor(Date.now() / 1000))
  return latest.timestamp + 1n > now ? latest.timestamp + 1n : now
}

/**
 * Replays `handleOps([userOperation])` with `eth_call` and reports the EntryPoint's verdict. It changes
 * nothing on chain. A failing *execution* is not a failure here: the EntryPoint still includes such an op.
 */
export async function replayHandleOps(
  client: Client<Transport, Chain | undefined>,
  { userOperation, time }: ReplayHandleOpsParameters,
): Promise<ReplayOutcome> {
  try {
    await call(client, {
      to: entryPoint07Address,
      data: encodeFunctionData({ abi: entryPoint07Abi, functionName: 'handleOps', args: [[toPackedUserOperation(userOperation)], REPLAY_CALLER] }),
      account: REPLAY_CALLER,
      blockOverrides: { time: time ?? (await replayTime(client)) },
    })
    return { ok: true }
  } catch (error) {
    const raw = revertData(error)
    if (!raw) throw error
    const decoded = decodeErrorResult({ abi: entryPoint07Abi, data: raw })
    if (decoded.errorName === 'FailedOp') {
      const reason = decoded.args[1]
      return { ok: false, code: reason.match(/^AA\d\d/)?.[0], reason }
    }
    if (decoded.errorName === 'FailedOpWithRevert') {
      const reason = decoded.args[1]
      const inner = decoded.args[2]
      const explained = describeRevert(inner)
      return { ok: false, code: reason.match(/^AA\d\d/)?.[0], reason: explained ? `${reason}: ${explained}` : reason, innerRevert: inner }
    }
    return { ok: false, code: undefined, reason: `${decoded.errorName}(${decoded.args?.join(', ') ?? ''})` }
  }
}

/** The revert data inside an error from `call`, if the call reverted with data. */
export function revertData(error: unknown): Hex | undefined {
  if (!(error instanceof BaseError)) return undefined
  const found = error.walk((e) => typeof (e as { data?: unknown }).data === 'string' || e instanceof ContractFunctionRevertedError)
  if (found instanceof ContractFunctionRevertedError) return found.raw
  const data = (found as { data?: unknown } | null)?.data
  return typeof data === 'string' && data.startsWith('0x') && data.length > 2 ? (data as Hex) : undefined
}

/** Errors of the Latchkey contracts, to name a module's revert inside a failed validation. */
const latchkeyErrors = [...sessionKeyManagerAbi, ...callPolicyAbi, ...erc20PolicyAbi, ...gasPolicyAbi, ...usageLimitPolicyAbi, ...streamPolicyAbi, ...latchkeyAccountAbi].filter(
  (item) => item.type === 'error',
)

/** `ErrorName(arg, …)` for a revert of one of our contracts (or a standard Error(string)); undefined otherwise. */
export function describeRevert(data: Hex | undefined): string | undefined {
  if (!data || data === '0x') return undefined
  try {
    const decoded = decodeErrorResult({ abi: latchkeyErrors, data })
    return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`
  } catch {
    try {
      const decoded = decodeErrorResult({ abi: [], data })
      return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(', ')})`
    } catch {
      return undefined
    }
  }
}

/** True when the EntryPoint's verdict means validation ran out of gas (the limit, not the logic, failed). */
export function isOutOfValidationGas(outcome: ReplayOutcome): boolean {
  if (outcome.ok) return false
  if (outcome.code === 'AA26' || outcome.code === 'AA13' || outcome.code === 'AA40') return true
  // A validator that runs out of gas reverts without data: AA23 with an empty inner revert.
  return outcome.code === 'AA23' && (outcome.innerRevert === undefined || outcome.innerRevert === '0x')
}
