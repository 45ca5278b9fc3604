import { HttpRequestError, TimeoutError, type Chain, type Client, type Transport } from 'viem'
import { getSessionAllowances, SessionCallRefusedError, SessionGasRefusedError, SessionNotUsableError, SignerNetworkError, SignerNetworkRefusedError, type SessionGrant } from '@latchkey/sdk'

/**
 * What a job does after a run could not go on: `pause` (it will not go on by itself: the session is revoked,
 * expired, spent for good, or the account cannot pay; a person must look), `wait` (a periodic limit is spent
 * for this period: it goes on when the next begins), or `retry` (the bundler or the RPC did not answer:
 * again after a backoff). The reason goes in the job's history.
 */
export type StopDecision = { action: 'pause'; reason: string } | { action: 'wait'; until: number; reason: string } | { action: 'retry'; reason: string }

/** The first error of `type` in `error`'s cause chain. */
export function findCause<T extends Error>(error: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof type) return e
  return undefined
}

const isUnreachable = (error: unknown) =>
  findCause(error, HttpRequestError) !== undefined || findCause(error, TimeoutError) !== undefined || /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up/.test(String(error))

/**
 * Decides from an error met while building, signing or sending a run's op. A refusal over a limit asks the
 * chain what is left: with no lifetime limit at zero and a periodic limit in use, the job waits for the
 * earliest period end (and asks again then); otherwise it pauses.
 */
export async function decideAfterError(client: Client<Transport, Chain | undefined>, grant: SessionGrant, error: unknown): Promise<StopDecision> {
  const unusable = findCause(error, SessionNotUsableError)
  if (unusable) return { action: 'pause', reason: `the session cannot be used (${unusable.rule}): ${unusable.reason}` }
  const refused = findCause(error, SessionCallRefusedError) ?? findCause(error, SessionGasRefusedError)
  if (refused) {
    const rule = refused.rule
    if (rule === 'policy' || rule === 'gas') {
      // A lifetime limit spent to zero never refills; a periodic one in use does at its period's end.
      const allowances = await getSessionAllowances(client, grant)
      const spentForGood = allowances.some((a) => a.period === 0 && a.kind !== 'stream' && a.remaining === 0n)
      const refills = allowances.filter((a) => a.periodEndsAt !== undefined && a.used > 0n).map((a) => a.periodEndsAt! + 1)
      if (!spentForGood && refills.length > 0) {
        const until = Math.min(...refills)
        return { action: 'wait', until, reason: `a limit is spent for this period (${refused.reason}); waiting for the next, at ${new Date(until * 1000).toISOString()}` }
      }
    }
    return { action: 'pause', reason: `the session refuses the run (${rule}): ${refused.reason}` }
  }
  // The session's own check passed here, so a refusal by the nodes is theirs: their reservations of ops not
  // yet on chain, or a chain view behind ours. Both clear by themselves; a lasting one ends in a pause (8 in a row).
  const nodesRefused = findCause(error, SignerNetworkRefusedError)
  if (nodesRefused) return { action: 'retry', reason: `the signer nodes refuse to sign: ${nodesRefused.reason}` }
  const network = findCause(error, SignerNetworkError)
  if (network) return { action: 'retry', reason: `the signer network did not sign: ${network.shortMessage}` }
  if (isUnreachable(error)) return { action: 'retry', reason: `the bundler or the RPC did not answer: ${(error as Error).message.split('\n')[0]}` }
  return { action: 'retry', reason: (error as Error)?.message?.split('\n')[0] ?? String(error) }
}
