/**
 * EIP-1193 between two origins: the dApp opens the wallet in a popup and sends it requests by postMessage;
 * the wallet answers the window that opened it, and only that window. Every message names its origin, and
 * each side checks the other's.
 */
export type BridgeRequest = { latchkey: 'request'; id: number; method: string; params?: unknown }
export type BridgeResponse = { latchkey: 'response'; id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } }
export type BridgeReady = { latchkey: 'ready' }

/** An error from the wallet, with its EIP-1193 code (viem maps it: 4001 → UserRejectedRequestError, …). */
export class WalletRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message)
  }
}

/**
 * The dApp's provider: each request opens the wallet (a popup, from the click that asked), waits for it to
 * say it is ready, sends the request and resolves with the answer. Closing the popup rejects with 4001.
 */
export function popupWalletProvider(walletUrl: string) {
  const walletOrigin = new URL(walletUrl).origin
  let nextId = 1
  return {
    request({ method, params }: { method: string; params?: unknown }): Promise<unknown> {
      const id = nextId++
      // A window of its own for each request: the last one may still be closing after its answer.
      const popup = window.open(new URL(`?request=${id}`, walletUrl).href, `latchkey-wallet-${id}`, 'popup,width=440,height=720')
      if (!popup) return Promise.reject(new WalletRpcError(4100, 'the wallet window could not be opened (a popup blocker?)'))
      return new Promise((resolve, reject) => {
        let closedSince = 0
        const closed = setInterval(() => {
          if (!popup.closed) return
          // The wallet answers, then closes: give its last message time to arrive.
          if (closedSince++ < 2) return
          finish()
          reject(new WalletRpcError(4001, 'the wallet window was closed without an answer'))
        }, 300)
        const onMessage = (event: MessageEvent) => {
          if (event.origin !== walletOrigin || event.source !== popup) return
          const message = event.data as BridgeReady | BridgeResponse
          if (message?.latchkey === 'ready') popup.postMessage({ latchkey: 'request', id, method, params } satisfies BridgeRequest, walletOrigin)
          else if (message?.latchkey === 'response' && message.id === id) {
            finish()
            if (message.error) reject(new WalletRpcError(message.error.code, message.error.message, message.error.data))
            else resolve(message.result)
          }
        }
        const finish = () => {
          clearInterval(closed)
          window.removeEventListener('message', onMessage)
        }
        window.addEventListener('message', onMessage)
      })
    },
  }
}

/**
 * The wallet's side: tells its opener it is ready, then hands each request from the opener to `answer` and
 * posts the result (or the error, with its code) back to the opener's origin only.
 */
export function serveOpener(answer: (request: BridgeRequest, origin: string) => Promise<unknown>): boolean {
  const opener = window.opener as Window | null
  if (!opener) return false
  window.addEventListener('message', async (event: MessageEvent) => {
    const request = event.data as BridgeRequest
    if (event.source !== opener || request?.latchkey !== 'request') return
    let response: BridgeResponse
    try {
      response = { latchkey: 'response', id: request.id, result: await answer(request, event.origin) }
    } catch (error) {
      const e = error as { code?: unknown; shortMessage?: unknown; message?: unknown; toRpcError?: () => NonNullable<BridgeResponse['error']> }
      response = {
        latchkey: 'response',
        id: request.id,
        error: typeof e.toRpcError === 'function' ? e.toRpcError() : { code: typeof e.code === 'number' ? e.code : -32603, message: String(e.shortMessage ?? e.message ?? error) },
      }
    }
    opener.postMessage(response, event.origin)
  })
  opener.postMessage({ latchkey: 'ready' } satisfies BridgeReady, '*')
  return true
}
