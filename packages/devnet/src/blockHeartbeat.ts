import { jsonRpc } from './jsonRpc.ts'

/**
 * Mines an empty block whenever the latest one is a second or more behind the clock, so that the latest
 * block's time follows the clock as on a live chain, while transactions are still mined at once (automine).
 *
 * Why: bundlers simulate userOps at the latest block. A userOp bounded to a window that began after that
 * block (a policy period that just started, a session from now on) looks "not due" in the simulation, and on
 * an automine-only chain nothing mines a newer block until some transaction comes. (anvil's own
 * `--mixed-mining` was tried: it made the bundler's submissions slow and its gas prices climb.)
 */
export function startBlockHeartbeat(rpcUrl: string, intervalMs = 1_000): { stop: () => void } {
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    void (async () => {
      try {
        const latest = (await jsonRpc(rpcUrl, 'eth_getBlockByNumber', ['latest', false])) as { timestamp: string } | null
        if (latest && Number(BigInt(latest.timestamp)) < Math.floor(Date.now() / 1000)) await jsonRpc(rpcUrl, 'evm_mine', [])
      } catch {
        // anvil is stopping or busy: the next tick tries again.
      } finally {
        busy = false
      }
    })()
  }, intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
