import { BaseError, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { getBlockNumber } from 'viem/actions'
import { formatUserOperationRequest, getUserOperationHash, prepareUserOperation, type SmartAccount, type UserOperation } from 'viem/account-abstraction'
import { describeRevert, userOperationFees, type Call } from '@latchkey/sdk'
import { OPEN_RUN_STATES, type AutomationStore, type StoredRun } from '../store/automationStore.ts'
import { findOpByNonce, isNonceUsed, type LandedOp } from './opOnChain.ts'

/** Where a worker process kills itself in tests (SIGKILL): right after a run's op is recorded, or right after it is sent. */
export type AutomationTestFault = 'crash-after-record' | 'crash-after-send'

export type RunContext = {
  store: AutomationStore
  chain: Client<Transport, Chain>
  bundler: Client<Transport, Chain | undefined, SmartAccount | undefined>
  /** Seconds. */
  now: () => number
  /** How long to wait for a sent op before leaving it to the next pass (default 30 s). */
  landingTimeoutMs?: number | undefined
  testFault?: AutomationTestFault | undefined
  /** Who is working (host/pid), named in the history of what it did. */
  workerId: string
}

/** What one pass over a run ended with. */
export type RunOutcome =
  | { kind: 'landed'; run: StoredRun; landed: LandedOp }
  | { kind: 'reverted'; run: StoredRun; landed: LandedOp; reason: string }
  /** Sent and not on chain yet, or its nonce used and its event not visible yet: look again next pass. */
  | { kind: 'pending'; run: StoredRun }
  /** Its op can no longer land as it is (refused by the bundler, or its nonce taken by another op): sign again next pass. */
  | { kind: 'again'; run: StoredRun; reason: string }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function crashIf(context: RunContext, point: AutomationTestFault) {
  if (context.testFault === point) process.kill(process.pid, 'SIGKILL')
}

/** Bundler answers that say the op (or one at its nonce) is already known: it may land, so wait for it. */
const ALREADY_KNOWN = /already (known|in (the )?mempool)|AA25|invalid (account )?nonce|nonce too low|replacement underpriced/i
/** Bundler answers that refuse the op itself (validation): it cannot land as it is. */
const REFUSED = /AA[1-4]\d|validation|signature|expired|not due|paymaster/i

/**
 * One pass over a run, exactly once: an op is signed and **recorded with its nonce before it is sent**;
 * every later attempt of the run uses that same nonce, so at most one of them can land; whether the run
 * landed is read from the chain (the op the EntryPoint ran at that nonce), never assumed. After a crash, the
 * same call picks the run up where the records say it was: look on chain, send the recorded op again, wait.
 */
export async function executeRun(context: RunContext, account: SmartAccount, calls: Call[], claimed: StoredRun): Promise<RunOutcome> {
  let run = claimed
  if (run.state === 'claimed') {
    run = await signAndRecord(context, account, calls, run)
    crashIf(context, 'crash-after-record')
  }
  const settled = await settleFromChain(context, account.address, run)
  if (settled) return settled
  const refused = await send(context, account, run)
  if (refused) {
    await context.store.clearRunOp(run.id, refused, false, context.now())
    return { kind: 'again', run, reason: refused }
  }
  await context.store.moveRun(run.id, ['signed'], { state: 'sent' }, context.now())
  crashIf(context, 'crash-after-send')
  return waitForLanding(context, account.address, { ...run, state: 'sent' })
}

/** Signs the run's op and records it with its nonce, unless another worker recorded one first (then that one is the run's). */
async function signAndRecord(context: RunContext, account: SmartAccount, calls: Call[], run: StoredRun): Promise<StoredRun> {
  const { store, chain, bundler } = context
  const fromBlock = await getBlockNumber(chain)
  const fees = await userOperationFees(chain)
  // A run that already owns a nonce keeps it: its earlier attempts may still land, and only one op can per nonce.
  const nonce = run.nonce === null ? undefined : BigInt(run.nonce)
  const prepared = (await prepareUserOperation(bundler, { account, calls, ...fees, ...(nonce === undefined ? {} : { nonce }) })) as unknown as UserOperation<'0.7'>
  const userOperation = { ...prepared, signature: await account.signUserOperation(prepared) }
  const userOpHash = getUserOperationHash({ userOperation, entryPointAddress: account.entryPoint.address, entryPointVersion: '0.7', chainId: chain.chain.id })
  const recorded = await store.setRunOp(run.id, { nonce: userOperation.nonce.toString(), userOp: JSON.stringify(formatUserOperationRequest(userOperation)), userOpHash, fromBlock: fromBlock.toString() }, context.now())
  await store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: recorded ? 'signed' : 'signed-by-another-worker', detail: recorded ? `op ${userOpHash} at nonce ${userOperation.nonce}, by ${context.workerId}` : `${context.workerId} found another worker's op recorded first: that one is sent` })
  return (await store.getRun(run.id))!
}

/** What the chain says of the run's nonce: landed (one of its ops), taken (by another op), or nothing yet. */
async function settleFromChain(context: RunContext, sender: Address, run: StoredRun): Promise<RunOutcome | undefined> {
  const { chain, store } = context
  const nonce = BigInt(run.nonce!)
  const landed = await findOpByNonce(chain, sender, nonce, BigInt(run.fromBlock!))
  if (landed) {
    if ((JSON.parse(run.hashes) as string[]).some((hash) => hash.toLowerCase() === landed.userOpHash.toLowerCase())) return finish(context, run, landed)
    const reason = `nonce ${nonce} was used by op ${landed.userOpHash}, not this run's: the run is signed again at a new nonce`
    await store.clearRunOp(run.id, reason, true, context.now())
    await store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: 'nonce-taken', detail: reason })
    return { kind: 'again', run, reason }
  }
  // Used, but its event not found yet (a lagging RPC): never sign again on a guess.
  if (await isNonceUsed(chain, sender, nonce)) return { kind: 'pending', run }
  return undefined
}

/** Sends the recorded op; returns why the bundler refused it when it cannot land as it is, and throws when the bundler did not answer. */
async function send(context: RunContext, account: SmartAccount, run: StoredRun): Promise<string | undefined> {
  try {
    await context.bundler.request({ method: 'eth_sendUserOperation', params: [JSON.parse(run.userOp!), account.entryPoint.address] } as never, { retryCount: 0 })
    await context.store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: 'sent', detail: `op ${run.userOpHash}` })
    return undefined
  } catch (error) {
    const message = error instanceof BaseError ? `${error.shortMessage} ${error.details ?? ''}` : String(error)
    if (ALREADY_KNOWN.test(message)) return undefined
    if (REFUSED.test(message)) {
      const reason = `the bundler refused op ${run.userOpHash}: ${message.trim()}`
      await context.store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: 'refused-by-bundler', detail: reason })
      return reason
    }
    throw error
  }
}

async function waitForLanding(context: RunContext, sender: Address, run: StoredRun): Promise<RunOutcome> {
  const until = Date.now() + (context.landingTimeoutMs ?? 30_000)
  while (Date.now() < until) {
    const settled = await settleFromChain(context, sender, run)
    if (settled) return settled
    await sleep(250)
  }
  return { kind: 'pending', run }
}

/** Records the run final: landed, or on chain with its calls reverted (nothing they did happened). */
async function finish(context: RunContext, run: StoredRun, landed: LandedOp): Promise<RunOutcome> {
  const { store } = context
  const gasUsed = landed.gasUsed.toString()
  if (landed.success) {
    if (await store.moveRun(run.id, OPEN_RUN_STATES, { state: 'landed', txHash: landed.txHash, gasUsed, reason: null }, context.now())) {
      await store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: 'landed', detail: `op ${landed.userOpHash} in ${landed.txHash}, ${gasUsed} gas, seen by ${context.workerId}` })
    }
    return { kind: 'landed', run: (await store.getRun(run.id))!, landed }
  }
  const reason = `its calls reverted: ${describeRevert(landed.revertReason as Hex | undefined) ?? landed.revertReason ?? 'no reason given'}`
  if (await store.moveRun(run.id, OPEN_RUN_STATES, { state: 'reverted', txHash: landed.txHash, gasUsed, reason }, context.now())) {
    await store.addHistory({ jobId: run.jobId, runId: run.id, at: Date.now(), event: 'reverted', detail: `op ${landed.userOpHash} in ${landed.txHash}: ${reason}` })
  }
  return { kind: 'reverted', run: (await store.getRun(run.id))!, landed, reason }
}
