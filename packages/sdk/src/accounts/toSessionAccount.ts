import { concat, hexToBigInt, zeroAddress, keccak256, pad, slice, stringToHex, type Chain, type Client, type Hex, type JsonRpcAccount, type LocalAccount, type Transport } from 'viem'
import {
  entryPoint07Abi,
  entryPoint07Address,
  getUserOperationHash,
  toSmartAccount,
  type SmartAccount,
  type SmartAccountImplementation,
} from 'viem/account-abstraction'
import { getBlock } from 'viem/actions'
import { decodeExecute, encodeExecute, type Call } from '../erc7579/execution.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { SessionCallRefusedError, SessionGasRefusedError, SessionNotUsableError } from '../errors/session.ts'
import { TIME_MARGIN_SECONDS, checkSessionCalls } from '../sessions/checkSessionCalls.ts'
import { chooseDeclaredTime, sessionGasLimitBound, sessionPeriods } from '../sessions/declaredTime.ts'
import { readSessionState, type SessionMode, type SessionState } from '../sessions/readSessionState.ts'
import type { UserOpCost } from '../sessions/policyChecker.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { encodeSessionSignature, sessionSigningHash } from '../sessions/sessionSignature.ts'
import { measuredVerificationGas } from '../userOperation/measuredVerificationGas.ts'
import { useFixedNonceKey } from './fixedNonceKey.ts'
import { validatorNonceKey } from './nonceKey.ts'

export type ToSessionAccountParameters = {
  /** A client of the account's chain. */
  client: Client<Transport, Chain | undefined, JsonRpcAccount | LocalAccount | undefined>
  /** The session, as granted by the owner. */
  grant: SessionGrant
  /** The session signer's key (its address must be the session's `signer`). */
  signer: LocalAccount
  /**
   * The full 192-bit nonce key. Default: the manager with the first 4 bytes of the session digest as the
   * key (OpenZeppelin layout), so that separate sessions keep separate nonce sequences. Nexus selects
   * validators with `BigInt(manager)`.
   */
  nonceKey?: bigint | undefined
  /** Check calls against the session off chain before signing (default true; tests of the contracts turn it off). */
  precheck?: boolean | undefined
  /**
   * The time every userOp declares (docs/policies.md §1), fixed. Default: the chain's and this machine's
   * clock, which periodic limits need. A fixed time keeps signatures identical from run to run (gas
   * benchmarks); it only works for sessions without periodic limits, or within the declared period.
   */
  declaredTime?: number | undefined
}

export type SessionAccountImplementation = SmartAccountImplementation<typeof entryPoint07Abi, '0.7', { grant: SessionGrant; signer: LocalAccount }, false>
export type ToSessionAccountReturnType = SmartAccount<SessionAccountImplementation>

/** How long to wait, at most, for a block inside a period that just began. */
const BLOCK_WAIT_SECONDS = 30

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What a userOp may cost the account, as the manager gives it to the session's gas policy. */
function userOpCost(op: { verificationGasLimit: bigint; callGasLimit: bigint; preVerificationGas: bigint; maxFeePerGas: bigint; paymaster?: unknown; paymasterVerificationGasLimit?: bigint | undefined; paymasterPostOpGasLimit?: bigint | undefined }): UserOpCost {
  const paymaster = typeof op.paymaster === 'string' ? (op.paymaster as Hex) : zeroAddress
  return {
    paymaster,
    gasLimit: op.verificationGasLimit + op.callGasLimit + op.preVerificationGas + (op.paymasterVerificationGasLimit ?? 0n) + (op.paymasterPostOpGasLimit ?? 0n),
    maxFeePerGas: op.maxFeePerGas,
  }
}

/** A 65-byte stand-in for the signer's signature, low s, for estimates. */
const STUB_SIGNER_SIGNATURE = concat([keccak256(stringToHex('latchkey session stub')), pad('0x01'), '0x1b'])

/**
 * A viem `SmartAccount` for an existing ERC-7579 account that signs as one of its sessions: userOps go
 * through the SessionKeyManager (selected in the nonce key) and carry the session, its grant and the
 * session signer's signature (EIP-191) of the userOpHash with the session digest, the permission indices
 * and the declared time (docs/sessions.md §5).
 *
 * Before anything is signed, the calls are checked against the session off chain (window, grant,
 * targets, functions, values, policies with their counters), and the final op against the session's gas
 * policy: a refusal throws {@link SessionCallRefusedError}, {@link SessionGasRefusedError} or
 * {@link SessionNotUsableError} naming the session and the rule, and nothing is sent.
 *
 * @example
 * const sessionAccount = await toSessionAccount({ client, grant, signer: privateKeyToAccount(sessionKey) })
 * await bundlerClient.sendUserOperation({ account: sessionAccount, calls: [{ to: game, data: moveData }] })
 */
export async function toSessionAccount(parameters: ToSessionAccountParameters): Promise<ToSessionAccountReturnType> {
  const { client, grant, signer } = parameters
  const precheck = parameters.precheck ?? true
  if (grant.session.signer.toLowerCase() !== signer.address.toLowerCase()) {
    throw new LatchkeyError('The signer key is not the session signer.', {
      metaMessages: [`Session signer: ${grant.session.signer}`, `Key: ${signer.address}`],
    })
  }
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  if (chainId !== grant.chainId) {
    throw new LatchkeyError(`The session is for chain ${grant.chainId}, the client is on chain ${chainId}.`)
  }
  const nonceKey = parameters.nonceKey ?? validatorNonceKey(grant.manager, hexToBigInt(slice(grant.digest, 0, 4)))
  const entryPoint = { abi: entryPoint07Abi, address: entryPoint07Address, version: '0.7' } as const

  const periods = sessionPeriods(grant.session)
  const gasLimitBound = sessionGasLimitBound(grant.session)

  /**
   * The time the op declares (docs/policies.md §1): the later of the chain's latest block and this
   * machine's clock (the op lands in a new block); if one of the session's periods ends within the
   * margin, this waits for the next period, so that the op does not expire on its way.
   */
  async function declare(chainNow: number): Promise<number> {
    const now = Math.max(chainNow, Math.floor(Date.now() / 1000))
    const fixed = parameters.declaredTime
    if (fixed !== undefined) {
      // A fixed time must still be in the periods of now, or the EntryPoint refuses the op (AA22).
      const stale = periods.find((period) => Math.floor(fixed / period) !== Math.floor(now / period))
      if (stale !== undefined) {
        throw new SessionNotUsableError(grant.digest, 'not-yet-valid', `the fixed declared time ${fixed} is not in the current ${stale}-second period of the session's limits (now ${now})`)
      }
      return fixed
    }
    const { declaredTime, wait } = chooseDeclaredTime(now, periods, TIME_MARGIN_SECONDS)
    if (wait > 0) await sleep(wait * 1000)
    // Bundlers simulate at the latest block: give the chain a few seconds to produce one in the declared
    // periods, or the simulation sees an op that is not due yet.
    for (let tries = 0; periods.length > 0; tries++) {
      const latest = Number((await getBlock(client, { blockTag: 'latest' })).timestamp)
      if (periods.every((period) => Math.floor(latest / period) === Math.floor(declaredTime / period))) break
      if (tries === BLOCK_WAIT_SECONDS) {
        throw new SessionNotUsableError(
          grant.digest,
          'not-yet-valid',
          `the chain's latest block (time ${latest}) is not yet in the period the op must declare (time ${declaredTime}), after ${BLOCK_WAIT_SECONDS} s of waiting: bundlers simulate at the latest block (a chain that mines only on demand needs a block)`,
        )
      }
      await sleep(1000)
    }
    return declaredTime
  }

  /** Checks the calls in `callData`; returns the mode, permission indices and declared time, or throws the refusal. */
  async function plan(
    callData: Hex,
    enforce: boolean,
  ): Promise<{ mode: SessionMode; indices: number[]; declaredTime: number; checkGas?: SessionState['checkGas'] }> {
    let calls: Call[]
    try {
      calls = decodeExecute(callData)
    } catch (error) {
      if (enforce) throw error
      // Unchecked (tests of the contracts): not an execute call at all; let the chain judge it.
      const state = await readSessionState(client, grant)
      return { mode: state.mode, indices: [0], declaredTime: await declare(state.now) }
    }
    const state = await readSessionState(client, grant)
    const declaredTime = await declare(state.now)
    const result = await checkSessionCalls({
      session: grant.session,
      digest: grant.digest,
      account: grant.account,
      manager: grant.manager,
      calls,
      state,
      declaredTime,
    })
    if (result.ok) return { mode: state.mode, indices: result.permissionIndices, declaredTime, checkGas: state.checkGas }
    if (enforce) {
      if (result.callIndex < 0) throw new SessionNotUsableError(grant.digest, result.rule, result.reason)
      throw new SessionCallRefusedError(grant.digest, result.callIndex, result.rule, result.reason, result.details)
    }
    // Unchecked (tests of the contracts): for each call on its own, the first permission whose target,
    // function and value match, whatever its policy, the grant or the window say (else permission 0), so
    // that the chain judges the rest.
    const structural = { ...state, grant: 'granted' as const, now: grant.session.validAfter + TIME_MARGIN_SECONDS, checkPolicy: undefined }
    const indices: number[] = []
    for (const call of calls) {
      const single = await checkSessionCalls({
        session: { ...grant.session, validUntil: 0 },
        digest: grant.digest,
        account: grant.account,
        manager: grant.manager,
        calls: [call],
        state: structural,
        declaredTime,
      })
      indices.push(single.ok ? single.permissionIndices[0]! : 0)
    }
    return { mode: state.mode, indices, declaredTime }
  }

  type Plan = Awaited<ReturnType<typeof plan>>

  async function sign(userOperation: Parameters<SessionAccountImplementation['signUserOperation']>[0], planned?: Plan): Promise<Hex> {
    const { chainId: _, ...op } = userOperation
    const { mode, indices, declaredTime } = planned ?? (await plan(op.callData, precheck))
    const userOpHash = getUserOperationHash({
      chainId,
      entryPointAddress: entryPoint.address,
      entryPointVersion: '0.7',
      userOperation: { ...op, sender: grant.account },
    })
    const signature = await signer.signMessage({ message: { raw: sessionSigningHash(userOpHash, grant.digest, indices, declaredTime) } })
    return encodeSessionSignature(grant, mode, indices, declaredTime, signature)
  }

  const account = await toSmartAccount({
    client,
    entryPoint,
    extend: { grant, signer },
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
      const { mode, indices, declaredTime } = request?.callData
        ? await plan(request.callData, false)
        : { mode: 'recorded' as const, indices: [0], declaredTime: Math.floor(Date.now() / 1000) }
      return encodeSessionSignature(grant, mode, indices, declaredTime, STUB_SIGNER_SIGNATURE)
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
        const planned = await plan(request.callData, precheck)
        if (request.verificationGasLimit !== undefined) return undefined
        if (gasLimitBound !== undefined) {
          // Estimating runs validation with limits far above any small bound (Alto: 10M), and GasPolicy
          // refuses those before anything else. Say so now, with what to do.
          throw new SessionGasRefusedError(
            grant.digest,
            `the session's gas policy bounds the op's gas limits to ${gasLimitBound} in all, and estimating needs larger ones: give callGasLimit, verificationGasLimit and preVerificationGas (sendUserOperationAndWait's \`gas\`) summing to at most that`,
          )
        }
        return measuredVerificationGas(client, grant.account, (op) => sign(op, planned)).estimateGas(request)
      },
    },
    async signUserOperation(userOperation) {
      const planned = await plan(userOperation.callData, precheck)
      if (precheck && grant.session.gasPolicy !== zeroAddress && planned.checkGas) {
        const reason = await planned.checkGas(userOpCost(userOperation), planned.declaredTime)
        if (reason) throw new SessionGasRefusedError(grant.digest, reason)
      }
      return sign(userOperation, planned)
    },
  })
  return useFixedNonceKey(account, client, grant.account, nonceKey)
}
