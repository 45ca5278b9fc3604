import { BaseError, ContractFunctionRevertedError, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { readContract, simulateContract } from 'viem/actions'
import { callPolicyAbi } from '@latchkey/contracts'
import { latchkeyModules } from '../deployments.ts'
import { decodeCallPolicyConfig } from '../policies/callPolicyConfig.ts'
import { evaluateCallPolicy } from '../policies/evaluateCallPolicy.ts'
import { evaluateErc20Policy } from '../policies/evaluateErc20Policy.ts'
import { evaluateGasPolicy } from '../policies/evaluateGasPolicy.ts'
import { evaluateStreamPolicy } from '../policies/evaluateStreamPolicy.ts'
import type { LimitUsage, PolicyEvaluation } from '../policies/policyTypes.ts'
import { earlierEnd, incrementOf, withReserved, type CounterIncrement, type OpIncrements, type ReservedUsage } from '../policies/reservedUsage.ts'
import { describeRevert } from '../userOperation/replayHandleOps.ts'
import type { ResolvedCall } from './checkSessionCalls.ts'
import { evaluatesCallRules, evaluatesGasRules, type PolicyModules } from './policyModules.ts'
import type { SessionGrant } from './sessionGrant.ts'

/** What a userOp may cost, as the manager hands it to the session's gas policy. */
export type UserOpCost = { paymaster: Address; gasLimit: bigint; maxFeePerGas: bigint }

/**
 * Evaluates the policies of one userOp's calls, in order, as the contracts will: Latchkey's own modules
 * (CallPolicy, Erc20Policy, GasPolicy) by their off-chain twins, with the counters read from the chain and
 * carried from call to call (two calls of 60 against a limit of 100: the second is refused), and any
 * other module by `eth_call` from the manager's address. Use one checker per userOp.
 */
export type PolicyChecker = {
  /** Why permission `permissionIndex`'s policy refuses `call`, or undefined; an accepted call's counters are kept. */
  checkCall(permissionIndex: number, call: ResolvedCall, declaredTime: number): Promise<string | undefined>
  /** Why the session's gas policy refuses a userOp that may cost `cost`, or undefined. */
  checkGas(cost: UserOpCost, declaredTime: number): Promise<string | undefined>
  /** Remembers the counters as they are now; calling the returned function puts them back (to try another plan). */
  snapshot(): () => void
  /**
   * What the accepted checks so far add to the counters (beyond the chain and the reserved amounts), and the
   * end of the window their op lands in: what a signer reserves for the op. Policies asked by `eth_call`
   * keep their own counters and add nothing here.
   */
  increments(): OpIncrements
}

const policyInterface = [
  {
    type: 'function',
    name: 'checkCall',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'account', type: 'address' },
      { name: 'sessionDigest', type: 'bytes32' },
      { name: 'permissionIndex', type: 'uint256' },
      { name: 'declaredTime', type: 'uint48' },
      { name: 'target', type: 'address' },
      { name: 'value', type: 'uint256' },
      { name: 'data', type: 'bytes' },
      { name: 'config', type: 'bytes' },
    ],
    outputs: [{ type: 'uint256' }],
  },
  {
    type: 'function',
    name: 'checkGas',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'account', type: 'address' },
      { name: 'sessionDigest', type: 'bytes32' },
      { name: 'declaredTime', type: 'uint48' },
      { name: 'paymaster', type: 'address' },
      { name: 'gasLimit', type: 'uint256' },
      { name: 'maxFeePerGas', type: 'uint256' },
      { name: 'config', type: 'bytes' },
    ],
    outputs: [{ type: 'uint256' }],
  },
] as const

/** The "permission index" GasPolicy keys its counters by (type(uint256).max). */
const SESSION_LEVEL = (1n << 256n) - 1n

const same = (a: Address, b: Address) => a.toLowerCase() === b.toLowerCase()

/** How many limits a CallPolicy config has (0 for a malformed config: the evaluator then says why). */
function callPolicyLimitCount(config: Hex): number {
  try {
    return decodeCallPolicyConfig(config).limits.length
  } catch {
    return 0
  }
}

export function createPolicyChecker(
  client: Client<Transport, Chain | undefined>,
  grant: SessionGrant,
  modules: PolicyModules = latchkeyModules,
  reserved?: ReservedUsage,
): PolicyChecker {
  const { account, manager, digest, session } = grant
  // The manager evaluates CallPolicy configs itself when a permission names it (its counters are its own).
  const withManager: PolicyModules = { ...modules, sessionKeyManager: manager }
  // Counters as read from the chain, and as this userOp's earlier calls left them.
  const counters = new Map<string, Promise<LimitUsage> | LimitUsage>()
  // The counters before this userOp (the chain's, with the reserved amounts), and the end of its window so far.
  const before = new Map<string, { module: Address; permissionIndex: bigint; limitIndex: number; usage: LimitUsage }>()
  let windowEnd = session.validUntil

  async function usageOf(module: Address, permissionIndex: bigint, limitIndex: number): Promise<LimitUsage> {
    const key = `${module.toLowerCase()}/${permissionIndex}/${limitIndex}`
    if (!counters.has(key)) {
      counters.set(
        key,
        readContract(client, {
          address: module,
          abi: callPolicyAbi, // `usage` comes from PolicyLimits, the same view in all three modules
          functionName: 'usage',
          args: [manager, account, digest, permissionIndex, BigInt(limitIndex)],
        }).then(([periodId, used]) => {
          const stored = { periodId: BigInt(periodId), used }
          const usage = reserved ? withReserved(stored, reserved({ module, permissionIndex, limitIndex })) : stored
          before.set(key, { module, permissionIndex, limitIndex, usage })
          return usage
        }),
      )
    }
    return counters.get(key)!
  }

  /** Runs an off-chain evaluator with every counter it may read loaded first; keeps the counters of an acceptance. */
  async function evaluate(module: Address, permissionIndex: bigint, limitCount: number, run: (usage: (limitIndex: number) => LimitUsage) => PolicyEvaluation) {
    const loaded = await Promise.all(Array.from({ length: limitCount }, (_, i) => usageOf(module, permissionIndex, i)))
    const result = run((limitIndex) => loaded[limitIndex] ?? { periodId: 0n, used: 0n })
    if (!result.ok) return `${result.reason} (${result.error.name})`
    windowEnd = earlierEnd(windowEnd, result.validUntil)
    for (const update of result.usage) counters.set(`${module.toLowerCase()}/${permissionIndex}/${update.limitIndex}`, update.usage)
    return undefined
  }

  /** The reason a contract call reverts, or undefined when it does not. */
  /**
   * A module's verdict by `eth_call`, judged as the manager judges it: a revert refuses (its reason decoded
   * when it is one of ours), an answer with failure or aggregator bits refuses (the manager reverts with
   * SessionPolicyResultInvalid), and a window that does not contain the declared time refuses (the
   * EntryPoint would). Anything else that goes wrong (the network) is thrown, not taken for a refusal.
   * Counters such a module keeps are not carried from call to call of the op: each call is asked alone.
   */
  async function simulate(request: Parameters<typeof simulateContract>[1], declaredTime: number): Promise<string | undefined> {
    let answer: bigint
    try {
      answer = (await simulateContract(client, request)).result as bigint
    } catch (error) {
      const reverted = error instanceof BaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
      if (!(reverted instanceof ContractFunctionRevertedError)) throw error
      return describeRevert(reverted.raw as Hex | undefined) ?? reverted.shortMessage
    }
    if (answer & ((1n << 160n) - 1n)) return `the module answered ${answer}, with failure or aggregator bits (the manager refuses it: SessionPolicyResultInvalid)`
    const validUntil = Number((answer >> 160n) & ((1n << 48n) - 1n))
    const validAfter = Number(answer >> 208n)
    if (declaredTime < validAfter || (validUntil !== 0 && declaredTime > validUntil)) {
      return `the module bounds the call to ${validAfter}..${validUntil || 'no end'}, which does not contain the declared time ${declaredTime}`
    }
    return undefined
  }

  return {
    snapshot() {
      const saved = new Map(counters)
      const savedEnd = windowEnd
      return () => {
        counters.clear()
        for (const [key, value] of saved) counters.set(key, value)
        windowEnd = savedEnd
      }
    },
    increments() {
      const moved: CounterIncrement[] = []
      for (const [key, start] of before) {
        const now = counters.get(key)
        if (!now || now instanceof Promise) continue
        const added = incrementOf(start.usage, now)
        if (added) moved.push({ module: start.module, permissionIndex: start.permissionIndex, limitIndex: start.limitIndex, usage: added })
      }
      return { counters: moved, validUntil: windowEnd }
    },
    async checkCall(permissionIndex, call, declaredTime) {
      const permission = session.permissions[permissionIndex]!
      const index = BigInt(permissionIndex)
      if (evaluatesCallRules(permission.policy, withManager)) {
        return evaluate(permission.policy, index, callPolicyLimitCount(permission.policyConfig), (usage) =>
          evaluateCallPolicy({ config: permission.policyConfig, data: call.data, value: call.value, declaredTime, usage }),
        )
      }
      if (same(permission.policy, modules.erc20Policy)) {
        return evaluate(modules.erc20Policy, index, 2, (usage) =>
          evaluateErc20Policy({ config: permission.policyConfig, account, data: call.data, declaredTime, usage }),
        )
      }
      if (modules.streamPolicy !== undefined && same(permission.policy, modules.streamPolicy)) {
        return evaluate(modules.streamPolicy, index, 1, (usage) =>
          evaluateStreamPolicy({ config: permission.policyConfig, target: call.to, value: call.value, data: call.data, declaredTime, usage }),
        )
      }
      return simulate({
        address: permission.policy,
        abi: policyInterface,
        functionName: 'checkCall',
        args: [account, digest, index, declaredTime, call.to, call.value, call.data, permission.policyConfig],
        account: manager,
      }, declaredTime)
    },
    async checkGas(cost, declaredTime) {
      if (evaluatesGasRules(session.gasPolicy, withManager)) {
        return evaluate(session.gasPolicy, SESSION_LEVEL, 2, (usage) =>
          evaluateGasPolicy({ config: session.gasPolicyConfig, ...cost, declaredTime, usage }),
        )
      }
      return simulate({
        address: session.gasPolicy,
        abi: policyInterface,
        functionName: 'checkGas',
        args: [account, digest, declaredTime, cost.paymaster, cost.gasLimit, cost.maxFeePerGas, session.gasPolicyConfig],
        account: manager,
      }, declaredTime)
    },
  }
}
