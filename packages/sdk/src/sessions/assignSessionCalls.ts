import type { Hex } from 'viem'
import type { Call } from '../erc7579/execution.ts'
import type { SessionRule } from '../errors/session.ts'
import { checkSessionCalls, type SessionChainState } from './checkSessionCalls.ts'
import type { SessionGrant } from './sessionGrant.ts'
import type { UserOpCost } from './policyChecker.ts'

/** A session the holder may use, with what the chain says about it (one state per userOp: it carries counters). */
export type SessionCandidate = { grant: SessionGrant; state: SessionChainState }

export type SessionAssignmentResult =
  | {
      ok: true
      /** For each call, the index (into the candidates) of the session that allows it. */
      sessionIndices: number[]
      /** For each call, the permission of that session that allows it. */
      permissionIndices: number[]
    }
  | {
      ok: false
      /** The call no session allows (-1: the op as a whole: no calls, or no session usable at all). */
      callIndex: number
      /** The session whose refusal says the most (see `details` for every session's). */
      sessionDigest: Hex
      rule: SessionRule
      reason: string
      details: string[]
    }

/**
 * How much a refusal says about the call itself: a policy's or a value bound's reason says more than a
 * target mismatch, which says more than a session that cannot be used at all.
 */
const RANK: Record<SessionRule, number> = {
  'forbidden-target': 7,
  policy: 6,
  gas: 6,
  value: 5,
  selector: 4,
  'call-data': 3,
  target: 2,
  'not-yet-valid': 1,
  expired: 1,
  revoked: 1,
  'not-granted': 1,
  'not-installed': 1,
}

/** How many single-call evaluations and subsets the search for the fewest sessions may spend before it settles for the greedy plan. */
const SEARCH_BUDGET = 2_000

const shortDigest = (digest: Hex) => `${digest.slice(0, 10)}…`

/**
 * Picks a session and permission for each call, evaluated off chain as SessionKeyManager evaluates them,
 * with counters carried from call to call within each session:
 * 1. one session for all the calls (the single-session signature, the cheapest), the first in the
 *    candidates' order that allows them all;
 * 2. else the fewest sessions that together allow every call (batch mode: each carried session costs gas
 *    and has its gas policy count the whole op), earlier candidates first, a bounded search that undoes
 *    counters when it backs out (so that a budget spent on one call does not hide a plan that works);
 * 3. else (or when the search runs out of budget, or the states cannot undo counters) each call under the
 *    first session that allows it.
 * When no plan exists, says which call fails, and for every session why.
 */
export async function assignSessionCalls(parameters: {
  candidates: readonly SessionCandidate[]
  calls: readonly Call[]
  declaredTime: number
  /** What the op may cost, when known: each session's gas policy is checked first, as on chain. */
  cost?: UserOpCost | undefined
}): Promise<SessionAssignmentResult> {
  const { candidates, calls, declaredTime, cost } = parameters
  if (candidates.length === 0) throw new Error('assignSessionCalls: no sessions')
  if (calls.length === 0) {
    return { ok: false, callIndex: -1, sessionDigest: candidates[0]!.grant.digest, rule: 'call-data', reason: 'no calls', details: [] }
  }
  const check = (sessionIndex: number, some: readonly Call[]) => {
    const { grant, state } = candidates[sessionIndex]!
    return checkSessionCalls({ session: grant.session, digest: grant.digest, account: grant.account, manager: grant.manager, calls: some, state, declaredTime, cost })
  }
  const undoable = candidates.every((candidate) => candidate.state.snapshot !== undefined)
  const snapshot = () => {
    const restores = candidates.map((candidate) => candidate.state.snapshot!())
    return () => restores.forEach((restore) => restore())
  }

  if (undoable) {
    // 1. One session for everything.
    for (const index of candidates.keys()) {
      const restore = snapshot()
      const result = await check(index, calls)
      if (result.ok) return { ok: true, sessionIndices: calls.map(() => index), permissionIndices: result.permissionIndices }
      restore()
    }
    // 2. The fewest sessions: which sessions allow each call on its own, then subsets by size.
    if (candidates.length > 1) {
      const alone: number[][] = []
      for (const call of calls) {
        const allowing: number[] = []
        for (const index of candidates.keys()) {
          const restore = snapshot()
          if ((await check(index, [call])).ok) allowing.push(index)
          restore()
        }
        alone.push(allowing)
      }
      if (alone.every((allowing) => allowing.length > 0)) {
        const restoreAll = snapshot()
        const found = await fewestSessions(candidates.length, alone, async (index, callIndex) => {
          const result = await check(index, [calls[callIndex]!])
          return result.ok ? result.permissionIndices[0]! : undefined
        }, snapshot)
        if (found) return { ok: true, ...found }
        restoreAll() // an exhausted search leaves the counters of its last path
      }
    }
  }

  // 3. Greedy, call by call; its failure says which call and why.
  const sessionIndices: number[] = []
  const permissionIndices: number[] = []
  for (const [callIndex, call] of calls.entries()) {
    const details: string[] = []
    let sessionLevelOnly = true
    let best: { digest: Hex; rule: SessionRule; reason: string } | undefined
    let chosen: number | undefined
    for (const [sessionIndex, { grant }] of candidates.entries()) {
      const result = await check(sessionIndex, [call])
      if (result.ok) {
        chosen = sessionIndex
        permissionIndices.push(result.permissionIndices[0]!)
        break
      }
      if (result.callIndex >= 0) sessionLevelOnly = false
      if (candidates.length === 1) details.push(...result.details)
      else details.push(`session ${sessionIndex} (${shortDigest(grant.digest)}): ${result.reason}`, ...result.details.map((line) => `  ${line}`))
      if (!best || RANK[result.rule] > RANK[best.rule]) best = { digest: grant.digest, rule: result.rule, reason: result.reason }
    }
    if (chosen === undefined) {
      const worst = best!
      const reason = candidates.length === 1 ? worst.reason : `${worst.reason} (session ${shortDigest(worst.digest)}; every session's reason below)`
      // When no session can be used at all, the refusal is the op's, not this call's.
      return { ok: false, callIndex: sessionLevelOnly ? -1 : callIndex, sessionDigest: worst.digest, rule: worst.rule, reason, details }
    }
    sessionIndices.push(chosen)
  }
  return { ok: true, sessionIndices, permissionIndices }
}

/**
 * The plan with the fewest sessions: subsets of the candidates by increasing size (earlier candidates
 * first), kept only when every call has a session in the subset that allows it alone; for each, a
 * depth-first search over the calls in order, trying the subset's sessions in order, undoing counters when
 * it backs out. The first plan found uses every session of its subset (a plan without one of them would
 * have been found with the smaller subset). Undefined when none is found within the budget.
 */
async function fewestSessions(
  count: number,
  alone: readonly number[][],
  allows: (sessionIndex: number, callIndex: number) => Promise<number | undefined>,
  snapshot: () => () => void,
): Promise<{ sessionIndices: number[]; permissionIndices: number[] } | undefined> {
  let budget = SEARCH_BUDGET
  const sessionIndices: number[] = []
  const permissionIndices: number[] = []

  async function search(subset: readonly number[], callIndex: number): Promise<boolean | 'exhausted'> {
    if (callIndex === alone.length) return true
    for (const sessionIndex of subset) {
      if (!alone[callIndex]!.includes(sessionIndex)) continue
      if (budget-- <= 0) return 'exhausted'
      const restore = snapshot()
      const permission = await allows(sessionIndex, callIndex)
      if (permission !== undefined) {
        sessionIndices.push(sessionIndex)
        permissionIndices.push(permission)
        const found = await search(subset, callIndex + 1)
        if (found !== false) return found
        sessionIndices.pop()
        permissionIndices.pop()
      }
      restore()
    }
    return false
  }

  for (let size = 2; size <= count; size++) {
    for (const subset of subsetsOf(count, size)) {
      if (budget-- <= 0) return undefined
      if (!alone.every((allowing) => allowing.some((index) => subset.includes(index)))) continue
      const found = await search(subset, 0)
      if (found === 'exhausted') return undefined
      if (found) return { sessionIndices, permissionIndices }
    }
  }
  return undefined
}

/** The subsets of {0, …, count − 1} of `size` elements, in lexicographic order. */
function* subsetsOf(count: number, size: number): Generator<number[]> {
  const pick: number[] = []
  function* from(start: number): Generator<number[]> {
    if (pick.length === size) {
      yield [...pick]
      return
    }
    for (let i = start; i <= count - (size - pick.length); i++) {
      pick.push(i)
      yield* from(i + 1)
      pick.pop()
    }
  }
  yield* from(0)
}
