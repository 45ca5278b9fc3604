import type { Hex } from 'viem'
import type { Call } from '../erc7579/execution.ts'
import type { SessionRule } from '../errors/session.ts'
import { checkSessionCalls, type SessionChainState } from './checkSessionCalls.ts'
import type { SessionGrant } from './sessionGrant.ts'

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

const shortDigest = (digest: Hex) => `${digest.slice(0, 10)}…`

/**
 * Picks, for each call, the first session (in the candidates' order) that allows it, evaluated off chain as
 * SessionKeyManager evaluates it, with counters carried from call to call within each session. When no
 * session allows a call, says which call, and for every session why not.
 */
export async function assignSessionCalls(parameters: {
  candidates: readonly SessionCandidate[]
  calls: readonly Call[]
  declaredTime: number
}): Promise<SessionAssignmentResult> {
  const { candidates, calls, declaredTime } = parameters
  if (candidates.length === 0) throw new Error('assignSessionCalls: no sessions')
  if (calls.length === 0) {
    return { ok: false, callIndex: -1, sessionDigest: candidates[0]!.grant.digest, rule: 'call-data', reason: 'no calls', details: [] }
  }
  const sessionIndices: number[] = []
  const permissionIndices: number[] = []
  for (const [callIndex, call] of calls.entries()) {
    const details: string[] = []
    let sessionLevelOnly = true
    let best: { digest: Hex; rule: SessionRule; reason: string } | undefined
    let chosen: number | undefined
    for (const [sessionIndex, { grant, state }] of candidates.entries()) {
      const result = await checkSessionCalls({
        session: grant.session,
        digest: grant.digest,
        account: grant.account,
        manager: grant.manager,
        calls: [call],
        state,
        declaredTime,
      })
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
