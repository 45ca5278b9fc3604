import { hexToBigInt, keccak256, slice, zeroAddress, type Chain, type Client, type Hex, type JsonRpcAccount, type LocalAccount, type Transport } from 'viem'
import {
  entryPoint07Abi,
  entryPoint07Address,
  getUserOperationHash,
  toSmartAccount,
  type SmartAccount,
  type SmartAccountImplementation,
  type UserOperation,
} from 'viem/account-abstraction'
import { getBlock } from 'viem/actions'
import { decodeExecute, encodeExecute, type Call } from '../erc7579/execution.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { SessionCallRefusedError, SessionGasRefusedError, SessionNotUsableError } from '../errors/session.ts'
import { TIME_MARGIN_SECONDS, checkSessionCalls } from '../sessions/checkSessionCalls.ts'
import { chooseDeclaredTime, sessionGasLimitBound, sessionHasStream, sessionPeriods } from '../sessions/declaredTime.ts'
import { assignSessionCalls } from '../sessions/assignSessionCalls.ts'
import { batchSessionSigningHash, encodeBatchSessionSignature, type BatchSessionPart, type SessionCallEntry } from '../sessions/batchSessionSignature.ts'
import { readSessionState, type SessionState } from '../sessions/readSessionState.ts'
import { assertSessionGasUsable } from '../sessions/assertSessionGasUsable.ts'
import { toSessionSigner, type SessionSigner } from '../signers/sessionSigner.ts'
import { misdirectedBuiltInPolicy } from '../sessions/policyModules.ts'
import { latchkeyModules } from '../deployments.ts'
import { knownUserOpCost, userOpCost } from '../sessions/userOpCost.ts'
import type { UserOpCost } from '../sessions/policyChecker.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { decodePermissionContext } from '../erc7715/permissionContext.ts'
import { encodeSessionSignature, sessionSigningHash } from '../sessions/sessionSignature.ts'
import { measuredVerificationGas } from '../userOperation/measuredVerificationGas.ts'
import { bundlerEstimationGas } from '../userOperation/bundlerEstimationGas.ts'
import { useFixedNonceKey } from './fixedNonceKey.ts'
import { resolveAccountLayout, type Erc7579AccountKind } from './accountLayout.ts'
import { managerRefusalReason } from '../userOperation/managerRefusal.ts'

export type ToSessionAccountParameters = {
  /** A client of the account's chain. */
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>
  /**
   * Who signs: the session key (a viem `LocalAccount`, ECDSA; its address must be the sessions' `signer`), or
   * any {@link SessionSigner} whose verifier and key are the sessions' (e.g. `frostSessionSigner`).
   */
  signer: LocalAccount | SessionSigner
  /**
   * The full 192-bit nonce key. Default: the key that selects the manager on the account's kind
   * ({@link AccountLayout}), with the first bytes of keccak256 of the session's signer in the bits the layout
   * leaves free: one sequence per session holder (its first op pays ≈17k gas for it, once), so that holders
   * never wait on each other's nonces. Give a key to run one holder's sessions in parallel.
   */
  nonceKey?: bigint | undefined
  /**
   * Which ERC-7579 account this is (`'latchkey'`, `'nexus'`, `'msa'`, `'safe7579'`, `'kernel'`, or `'erc7579'`
   * for another account of OpenZeppelin's layout). Default: read from the account's `accountId()`; an
   * account not deployed yet is taken to have OpenZeppelin's layout (LatchkeyAccount's).
   */
  accountKind?: Erc7579AccountKind | undefined
  /** Check calls against the session off chain before signing (default true; tests of the contracts turn it off). */
  precheck?: boolean | undefined
  /**
   * The time every userOp declares (docs/policies.md §1), fixed. Default: the chain's and this machine's
   * clock, which periodic limits need. A fixed time keeps signatures identical from run to run (gas
   * benchmarks); it only works for sessions without periodic limits, or within the declared period.
   */
  declaredTime?: number | undefined
} & (
  | {
      /** The session, as granted by the owner. */
      grant: SessionGrant
      grants?: undefined
      permissionContext?: undefined
    }
  | {
      /**
       * An ERC-7715 permission's `context`, as a Latchkey wallet answers `wallet_requestExecutionPermissions`
       * (the grant it encodes is checked when read: `decodePermissionContext`).
       */
      permissionContext: Hex
      grant?: undefined
      grants?: undefined
    }
  | {
      /**
       * Several sessions of one signer on one account. An op goes under one session when one allows all its
       * calls (the first in this order), else under the fewest sessions that together allow them, in one
       * userOp with one signature (batch mode, docs/sessions.md §6 and §9).
       */
      grants: readonly SessionGrant[]
      grant?: undefined
      permissionContext?: undefined
    }
)

export type SessionAccountImplementation = SmartAccountImplementation<
  typeof entryPoint07Abi,
  '0.7',
  { grant: SessionGrant; grants: readonly SessionGrant[]; signer: SessionSigner },
  false
>
export type ToSessionAccountReturnType = SmartAccount<SessionAccountImplementation>

/** How long to wait, at most, for a block inside a period that just began. */
const BLOCK_WAIT_SECONDS = 30

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Added to a reused verification-gas figure: one storage slot written from zero (22.1k), rounded up. */
const REUSE_ALLOWANCE = 25_000n
/** How many ops reuse one measured figure before it is measured again. */
const MAX_REUSES = 8

/**
 * A viem `SmartAccount` for an existing ERC-7579 account that signs as one of its sessions: userOps go
 * through the SessionKeyManager (selected in the nonce key) and carry the session, its grant and the
 * session signer's signature (EIP-191) of the userOpHash with the session digest, the permission indices
 * and the declared time (docs/sessions.md §5). Given several sessions (`grants`), an op whose calls need
 * different sessions carries the fewest that allow them (batch mode).
 *
 * Before anything is signed, the calls are checked against the session off chain (window, grant,
 * targets, functions, values, policies with their counters), and the final op against the session's gas
 * policy: a refusal throws {@link SessionCallRefusedError}, {@link SessionGasRefusedError} or
 * {@link SessionNotUsableError} naming the session and the rule, and nothing is sent.
 *
 * @example
 * const sessionAccount = await toSessionAccount({ client, grant, signer: privateKeyToAccount(sessionKey) })
 * await bundlerClient.sendUserOperation({ account: sessionAccount, calls: [{ to: game, data: moveData }] })
 *
 * @example
 * // approve under an Erc20Policy session, swap under a CallPolicy session: one userOp, one signature
 * const trader = await toSessionAccount({ client, grants: [tokenGrant, swapGrant], signer })
 * await bundlerClient.sendUserOperation({ account: trader, calls: [approveCall, swapCall] })
 */
export async function toSessionAccount(parameters: ToSessionAccountParameters): Promise<ToSessionAccountReturnType> {
  const { client } = parameters
  const signer = toSessionSigner(parameters.signer)
  const grants: readonly SessionGrant[] =
    parameters.grants ?? [parameters.permissionContext !== undefined ? decodePermissionContext(parameters.permissionContext) : parameters.grant]
  const grant = grants[0]
  if (grant === undefined) throw new LatchkeyError('No session given: `grants` is empty.')
  const precheck = parameters.precheck ?? true
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const seen = new Set<string>()
  for (const [index, each] of grants.entries()) {
    const which = grants.length === 1 ? 'The session' : `Session ${index} (${each.digest.slice(0, 10)}…)`
    if (each.session.signerVerifier.toLowerCase() !== signer.verifier.toLowerCase()) {
      throw new LatchkeyError(
        `${which} is checked by the signer verifier ${each.session.signerVerifier}, the signer given by ${signer.verifier === zeroAddress ? 'ECDSA (verifier zero)' : signer.verifier}.`,
      )
    }
    if (each.session.signer.toLowerCase() !== signer.key.toLowerCase()) {
      throw new LatchkeyError(
        grants.length === 1
          ? 'The signer key is not the session signer.'
          : `${which} has another signer than the key: one userOp carries one signature, so all sessions of a session account must share one signer.`,
        { metaMessages: [`Session signer: ${each.session.signer}`, `Key: ${signer.key}`] },
      )
    }
    if (each.chainId !== chainId) throw new LatchkeyError(`${which} is for chain ${each.chainId}, the client is on chain ${chainId}.`)
    if (each.account.toLowerCase() !== grant.account.toLowerCase() || each.manager.toLowerCase() !== grant.manager.toLowerCase()) {
      throw new LatchkeyError(`${which} is for another account or manager than session 0: one session account acts for one account through one manager.`)
    }
    const misdirected = misdirectedBuiltInPolicy(each.session, each.manager)
    if (misdirected !== undefined) {
      const where = misdirected === 'gas' ? 'its gas policy' : `permission ${misdirected}`
      throw new LatchkeyError(`${which}: ${where} names the deterministic SessionKeyManager as its policy (built-in rules), but the session is for manager ${each.manager}, which would refuse every op under it.`)
    }
    if (seen.has(each.digest.toLowerCase())) throw new LatchkeyError(`${which} is given twice.`)
    seen.add(each.digest.toLowerCase())
  }
  // A gas bound below what the chain needs now would refuse every op: say so now, not at the first op.
  if (precheck) await assertSessionGasUsable(client, grants.map((each) => each.session), { ...latchkeyModules, sessionKeyManager: grant.manager })
  const nonceKey = parameters.nonceKey ?? (await sessionNonceKey(client, grant, parameters.accountKind))
  const entryPoint = { abi: entryPoint07Abi, address: entryPoint07Address, version: '0.7' } as const

  // Rules built into this manager are read as CallPolicy configs (docs/policies.md §7).
  const modules = { ...latchkeyModules, sessionKeyManager: grant.manager }

  /** The periods of the periodic limits of the sessions an op uses, each with the session it comes from. */
  const periodsOf = (used: readonly number[]) =>
    used.flatMap((index) => sessionPeriods(grants[index]!.session, modules).map((period) => ({ period, digest: grants[index]!.digest })))

  /**
   * The time the op declares (docs/policies.md §1): the later of the chain's latest block and this
   * machine's clock (the op lands in a new block); if a period of one of the sessions the op uses ends
   * within the margin, this waits for the next period, so that the op does not expire on its way. A session
   * with a stream (StreamPolicy returns the declared time as validAfter) declares the latest block's time:
   * what has accrued by then, valid at once.
   */
  async function declare(chainNow: number, used: readonly number[]): Promise<number> {
    const streams = used.some((index) => sessionHasStream(grants[index]!.session, modules))
    const now = streams ? chainNow : Math.max(chainNow, Math.floor(Date.now() / 1000))
    const limits = periodsOf(used)
    const periods = [...new Set(limits.map((limit) => limit.period))]
    const owner = (period: number) => limits.find((limit) => limit.period === period)!.digest
    const fixed = parameters.declaredTime
    if (fixed !== undefined) {
      // A fixed time must still be in the periods of now, or the EntryPoint refuses the op (AA22).
      const stale = periods.find((period) => Math.floor(fixed / period) !== Math.floor(now / period))
      if (stale !== undefined) {
        throw new SessionNotUsableError(owner(stale), 'not-yet-valid', `the fixed declared time ${fixed} is not in the current ${stale}-second period of the session's limits (now ${now})`)
      }
      return fixed
    }
    const { declaredTime, wait } = chooseDeclaredTime(now, periods, TIME_MARGIN_SECONDS)
    if (wait > 0) await sleep(wait * 1000)
    // Bundlers simulate at the latest block: give the chain a few seconds to produce one in the declared
    // periods, or the simulation sees an op that is not due yet.
    for (let tries = 0; periods.length > 0; tries++) {
      const latest = Number((await getBlock(client, { blockTag: 'latest' })).timestamp)
      const behind = periods.find((period) => Math.floor(latest / period) !== Math.floor(declaredTime / period))
      if (behind === undefined && (!streams || latest >= declaredTime)) break
      if (tries === BLOCK_WAIT_SECONDS) {
        throw new SessionNotUsableError(
          behind === undefined ? grants[used[0]!]!.digest : owner(behind),
          'not-yet-valid',
          `the chain's latest block (time ${latest}) is not yet in the period the op must declare (time ${declaredTime}), after ${BLOCK_WAIT_SECONDS} s of waiting: bundlers simulate at the latest block (a chain that mines only on demand needs a block)`,
        )
      }
      await sleep(1000)
    }
    return declaredTime
  }

  // Verification gas measured for an op of one shape (which sessions, proven how, which calls under which
  // permissions, how much calldata, deploying or not, which paymaster), reused for the next op of that
  // shape: measuring signs ≈11 probes, which a remote signer (a signer network) should do once, not per op.
  // A reused figure gets REUSE_ALLOWANCE on top of its margin: a later op may write a storage slot the
  // measured one did not (a counter that a zero amount left at zero). A reused figure skips the replay, so
  // an op that would fail validation is refused by the bundler instead of before sending; and a figure is
  // measured again after MAX_REUSES, so that one that proves too low cannot fail ops for long.
  const measuredGas = new Map<string, { limit: bigint; uses: number }>()

  /** The sessions one userOp uses (in order of first use), each call's entry, and the declared time. */
  type Plan = {
    parts: (BatchSessionPart & { checkGas?: SessionState['checkGas'] })[]
    entries: SessionCallEntry[]
    declaredTime: number
  }

  /** The plan for chosen sessions (indices into `grants`) and permissions, one of each per call. */
  function planOf(states: readonly SessionState[], sessionIndices: readonly number[], permissionIndices: readonly number[], declaredTime: number): Plan {
    const used = [...new Set(sessionIndices)]
    return {
      parts: used.map((index) => ({ grant: grants[index]!, mode: states[index]!.mode, checkGas: states[index]!.checkGas })),
      entries: sessionIndices.map((index, call) => ({ session: used.indexOf(index), permission: permissionIndices[call]! })),
      declaredTime,
    }
  }

  /**
   * Checks the calls in `callData` and picks their sessions and permissions, or throws the refusal. The
   * sessions are picked at the time the op would declare now; if one of them needs a later declared time (a
   * period ends within the margin), the pick is made again at that time, with counters read afresh.
   */
  async function plan(callData: Hex, enforce: boolean, cost?: UserOpCost): Promise<Plan> {
    let calls: Call[]
    try {
      calls = decodeExecute(callData)
    } catch (error) {
      if (enforce) throw error
      // Unchecked (tests of the contracts): not an execute call at all; let the chain judge it.
      const state = await readSessionState(client, grant)
      return planOf([state], [0], [0], await declare(state.now, [0]))
    }
    const readStates = () => Promise.all(grants.map((each) => readSessionState(client, each)))
    const assign = (states: readonly SessionState[], declaredTime: number) =>
      assignSessionCalls({ candidates: grants.map((each, index) => ({ grant: each, state: states[index]! })), calls, declaredTime, cost: enforce ? cost : undefined })
    let states = await readStates()
    const chainNow = Math.max(...states.map((state) => state.now))
    const provisional = parameters.declaredTime ?? Math.max(chainNow, Math.floor(Date.now() / 1000))
    let result = await assign(states, provisional)
    if (result.ok) {
      const declaredTime = await declare(chainNow, [...new Set(result.sessionIndices)])
      if (declaredTime !== provisional) {
        states = await readStates()
        result = await assign(states, declaredTime)
      }
      if (result.ok) return planOf(states, result.sessionIndices, result.permissionIndices, declaredTime)
    }
    if (enforce) {
      // The manager checks the gas policy before the calls: a refused cost is the op's first refusal.
      if (result.rule === 'gas') throw new SessionGasRefusedError(result.sessionDigest, result.reason)
      if (result.callIndex < 0) throw new SessionNotUsableError(result.sessionDigest, result.rule, result.reason)
      throw new SessionCallRefusedError(result.sessionDigest, result.callIndex, result.rule, result.reason, result.details, grants.length)
    }
    // Unchecked (tests of the contracts): for each call on its own, the first session and permission whose
    // target, function and value match, whatever its policy, the grant or the window say (else session 0,
    // permission 0), so that the chain judges the rest.
    const sessionIndices: number[] = []
    const permissionIndices: number[] = []
    for (const call of calls) {
      let found: [number, number] = [0, 0]
      for (const [index, each] of grants.entries()) {
        const structural = { ...states[index]!, grant: 'granted' as const, now: each.session.validAfter + TIME_MARGIN_SECONDS, checkPolicy: undefined }
        const single = await checkSessionCalls({
          session: { ...each.session, validUntil: 0 },
          digest: each.digest,
          account: each.account,
          manager: each.manager,
          calls: [call],
          state: structural,
          declaredTime: provisional,
        })
        if (single.ok) {
          found = [index, single.permissionIndices[0]!]
          break
        }
      }
      sessionIndices.push(found[0])
      permissionIndices.push(found[1])
    }
    return planOf(states, sessionIndices, permissionIndices, await declare(chainNow, [...new Set(sessionIndices)]))
  }

  /** The signature for `plan`: the single-session format when one session covers every call, else batch mode. */
  function encodePlan(planned: Plan, signerSignature: Hex): Hex {
    const { parts, entries, declaredTime } = planned
    if (parts.length === 1) {
      return encodeSessionSignature(parts[0]!.grant, parts[0]!.mode, entries.map((entry) => entry.permission), declaredTime, signerSignature)
    }
    return encodeBatchSessionSignature(parts, entries, declaredTime, signerSignature)
  }

  function signingHash(planned: Plan, userOpHash: Hex): Hex {
    const { parts, entries, declaredTime } = planned
    if (parts.length === 1) return sessionSigningHash(userOpHash, parts[0]!.grant.digest, entries.map((entry) => entry.permission), declaredTime)
    return batchSessionSigningHash(userOpHash, parts.map((part) => part.grant.digest), entries, declaredTime)
  }

  async function sign(userOperation: Parameters<SessionAccountImplementation['signUserOperation']>[0], planned?: Plan): Promise<Hex> {
    const { chainId: _, ...op } = userOperation
    const chosen = planned ?? (await plan(op.callData, precheck))
    const userOpHash = getUserOperationHash({
      chainId,
      entryPointAddress: entryPoint.address,
      entryPointVersion: '0.7',
      userOperation: { ...op, sender: grant.account },
    })
    const hash = signingHash(chosen, userOpHash)
    const signature = signer.signSessionRequest
      ? await signer.signSessionRequest(
          {
            userOperation: { ...op, sender: grant.account },
            parts: chosen.parts.map(({ grant: each, mode }) => ({ grant: each, mode })),
            entries: chosen.entries,
            declaredTime: chosen.declaredTime,
          },
          hash,
        )
      : await signer.signSessionHash(hash)
    return encodePlan(chosen, signature)
  }

  const account = await toSmartAccount({
    client,
    entryPoint,
    extend: { grant, grants, signer },
    async getAddress() {
      return grant.account
    },
    async encodeCalls(calls) {
      return encodeExecute(calls)
    },
    async decodeCalls(data) {
      return decodeExecute(data)
    },
    async getFactoryArgs() {
      // Sessions act for accounts that exist: the owner deploys the account.
      return { factory: undefined, factoryData: undefined }
    },
    async getStubSignature(request) {
      const planned: Plan = request?.callData
        ? await plan(request.callData, false)
        : { parts: [{ grant, mode: 'recorded' }], entries: [{ session: 0, permission: 0 }], declaredTime: Math.floor(Date.now() / 1000) }
      return encodePlan(planned, signer.stubSignature)
    },
    async signMessage() {
      throw new LatchkeyError('A session key cannot sign messages for the account (ERC-1271): the manager refuses them by design.')
    },
    async signTypedData() {
      throw new LatchkeyError('A session key cannot sign typed data for the account (ERC-1271): the manager refuses them by design.')
    },
    userOperation: {
      // The off-chain check runs first (a refused call throws before any estimate or send), once: the
      // gas probes sign the same calls, so they reuse its result instead of reading the chain again.
      async estimateGas(request) {
        if (!request.callData) return undefined
        const planned = await plan(request.callData, precheck, knownUserOpCost(request))
        if (request.verificationGasLimit !== undefined) return undefined
        const estimation = bundlerEstimationGas(request.paymaster !== undefined)
        const bounds = planned.parts.flatMap((part) => {
          const bound = sessionGasLimitBound(part.grant.session)
          return bound === undefined || bound >= estimation ? [] : [{ digest: part.grant.digest, bound }]
        })
        const tightest = bounds.reduce<(typeof bounds)[number] | undefined>((low, each) => (low === undefined || each.bound < low.bound ? each : low), undefined)
        if (tightest !== undefined) {
          const gasLimitBound = tightest.bound
          // Estimating runs validation with limits far above any small bound (Alto: 20M in all), and GasPolicy
          // refuses those before anything else. Say so now, with what to do.
          throw new SessionGasRefusedError(
            tightest.digest,
            `the session's gas policy bounds the op's gas limits to ${gasLimitBound} in all, and estimating needs larger ones: give callGasLimit, verificationGasLimit and preVerificationGas (sendUserOperationAndWait's \`gas\`) summing to at most that`,
          )
        }
        const shape = JSON.stringify([
          planned.parts.map((part) => [part.grant.digest, part.mode]),
          planned.entries,
          request.callData.length,
          request.factory ?? null,
          request.paymaster ?? null,
          request.paymasterData?.length ?? 0,
        ])
        const known = measuredGas.get(shape)
        if (known !== undefined && known.uses < MAX_REUSES) {
          known.uses++
          return { verificationGasLimit: known.limit + REUSE_ALLOWANCE }
        }
        // Where the account hides the manager's revert (Safe7579), the manager is asked for the rule directly.
        const explain = (op: UserOperation<'0.7'>) => managerRefusalReason(client, { manager: grant.manager, userOperation: op })
        const measured = await measuredVerificationGas(client, grant.account, (op) => sign(op, planned), explain).estimateGas(request)
        if (measured) measuredGas.set(shape, { limit: measured.verificationGasLimit, uses: 0 })
        return measured
      },
    },
    async signUserOperation(userOperation) {
      const planned = await plan(userOperation.callData, precheck, userOpCost(userOperation))
      // Every session the op uses has its gas policy see the op (the manager asks each of them).
      for (const part of precheck ? planned.parts : []) {
        if (part.grant.session.gasPolicy === zeroAddress || !part.checkGas) continue
        const reason = await part.checkGas(userOpCost(userOperation), planned.declaredTime)
        if (reason) throw new SessionGasRefusedError(part.grant.digest, reason)
      }
      return sign(userOperation, planned)
    },
  })
  return useFixedNonceKey(account, client, grant.account, nonceKey)
}

/**
 * The nonce key selecting the manager on the grant's account, with the first bytes of keccak256(signer) as the
 * sequence key where the layout has room: one nonce sequence per session holder, not per session. A new
 * sequence costs ≈17k gas on its first op (the EntryPoint's nonce slot goes from zero to one), so a holder
 * pays it once, not again for each session it is granted later (a renewed or a second session); holders
 * still never wait on each other's nonces. One holder sending under two sessions at once shares the sequence:
 * give `nonceKey` to separate them.
 */
async function sessionNonceKey(client: Client<Transport, Chain | undefined>, grant: SessionGrant, kind: Erc7579AccountKind | undefined): Promise<bigint> {
  const layout = await resolveAccountLayout(client, grant.account, kind)
  return layout.nonceKey(grant.manager, hexToBigInt(slice(keccak256(grant.session.signer), 0, 4)))
}
