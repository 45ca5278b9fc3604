import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Address, Hex } from 'viem'
import { assignSessionCalls, type SessionCandidate } from './assignSessionCalls.ts'
import { createSession, permission } from './createSession.ts'
import { sessionDigest } from './sessionEncoding.ts'
import type { SessionChainState } from './checkSessionCalls.ts'

const at = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as Address
const [x, y, z] = [at(0x11), at(0x22), at(0x33)]
const POLICY = at(0x99)
const SIGNER = at(0x77)

/**
 * A session allowing plain transfers to `targets`, each permission behind a fake policy that allows at
 * most `budget` calls per op in all (counters that the state can snapshot and restore, as the real checker).
 */
function candidate(targets: Address[], budget = Infinity): SessionCandidate {
  const session = createSession({ signer: SIGNER, validFor: 3600, permissions: targets.map((target) => permission({ target, policy: { address: POLICY, config: '0x' } })) })
  let used = 0
  const state: SessionChainState = {
    now: Math.floor(Date.now() / 1000),
    grant: 'granted',
    async checkPolicy() {
      if (used >= budget) return `budget of ${budget} calls spent`
      used++
      return undefined
    },
    snapshot() {
      const saved = used
      return () => {
        used = saved
      }
    },
  }
  const digest: Hex = sessionDigest(session)
  return { grant: { chainId: 1, account: at(0xaa), manager: at(0xbb), session, digest, grant: { type: 'root', root: digest, proof: [] } }, state }
}
const call = (to: Address) => ({ to, value: 0n, data: '0x' as Hex })

describe('assignSessionCalls', () => {
  it('uses one session for every call when one allows them all, even if an earlier one allows the first call', async () => {
    const result = await assignSessionCalls({ candidates: [candidate([x]), candidate([x, y])], calls: [call(x), call(y)], declaredTime: 0 })
    assert.deepEqual(result, { ok: true, sessionIndices: [1, 1], permissionIndices: [0, 1] })
  })

  it('finds the plan that a call-by-call choice misses (a budget spent on the wrong call is given back)', async () => {
    // A allows x or y but only one call; B allows x. Greedy: x → A, then y has nothing left.
    const result = await assignSessionCalls({ candidates: [candidate([x, y], 1), candidate([x])], calls: [call(x), call(y)], declaredTime: 0 })
    assert.deepEqual(result, { ok: true, sessionIndices: [1, 0], permissionIndices: [0, 1] })
  })

  it('carries the fewest sessions', async () => {
    // No single session allows x, y and z; A and B together do (C is not needed).
    const result = await assignSessionCalls({ candidates: [candidate([x, z]), candidate([y]), candidate([x, y])], calls: [call(x), call(y), call(z)], declaredTime: 0 })
    assert.deepEqual(result, { ok: true, sessionIndices: [0, 1, 0], permissionIndices: [0, 0, 1] })
  })

  it('counts within a session across the plan: two calls against a budget of one need two sessions', async () => {
    const result = await assignSessionCalls({ candidates: [candidate([x], 1), candidate([x], 1)], calls: [call(x), call(x)], declaredTime: 0 })
    assert.deepEqual(result, { ok: true, sessionIndices: [0, 1], permissionIndices: [0, 0] })
    const none = await assignSessionCalls({ candidates: [candidate([x], 1), candidate([y])], calls: [call(x), call(x)], declaredTime: 0 })
    assert.ok(!none.ok && none.callIndex === 1 && none.rule === 'policy', JSON.stringify(none))
  })

  it('names the call no session allows, with every session\'s reason', async () => {
    const result = await assignSessionCalls({ candidates: [candidate([x]), candidate([y])], calls: [call(x), call(z)], declaredTime: 0 })
    assert.ok(!result.ok)
    assert.equal(result.callIndex, 1)
    assert.equal(result.rule, 'target')
    assert.equal(result.details.filter((line) => line.startsWith('session ')).length, 2)
  })
})
