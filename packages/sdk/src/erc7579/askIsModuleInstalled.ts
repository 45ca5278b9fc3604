import { BaseError, HttpRequestError, hexToBigInt, size, TimeoutError, WebSocketRequestError, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { call } from 'viem/actions'

/** An account's answer to one `isModuleInstalled` question, read fail-closed. */
export type IsModuleInstalledAnswer = 'installed' | 'not-installed' | 'reverted' | 'malformed'

/**
 * Sends one `isModuleInstalled` call (`data`) to `account` by `eth_call` and reads the answer strictly: a
 * 32-byte 0 is `not-installed`, a 32-byte 1 `installed`, any other bytes `malformed`, a revert `reverted`.
 * A transport failure (HTTP, WebSocket, timeout) is thrown: it says nothing about the account.
 */
export async function askIsModuleInstalled(client: Client<Transport, Chain | undefined>, account: Address, data: Hex): Promise<IsModuleInstalledAnswer> {
  let returned: Hex | undefined
  try {
    returned = (await call(client, { to: account, data })).data
  } catch (error) {
    if (isTransportFailure(error)) throw error
    return 'reverted'
  }
  const answer = decodeStrictBool(returned)
  return answer === undefined ? 'malformed' : answer ? 'installed' : 'not-installed'
}

function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError || e instanceof WebSocketRequestError) !== null
}

/** A 32-byte word that is exactly 0 (false) or 1 (true); anything else is undefined. */
export function decodeStrictBool(data: Hex | undefined): boolean | undefined {
  if (data === undefined || size(data) !== 32) return undefined
  const word = hexToBigInt(data)
  return word === 0n ? false : word === 1n ? true : undefined
}
