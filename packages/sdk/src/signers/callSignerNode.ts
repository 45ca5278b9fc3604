import { SignerNetworkError, SignerNetworkRefusedError } from './signerNetworkErrors.ts'

/** A JSON call to a signer node; a refusal or an unreachable node is a {@link SignerNetworkError}. */
export async function callSignerNode<T>(url: string, init?: { body: unknown }): Promise<T> {
  let response: Response
  try {
    // A node that does not answer within 10 s is taken for down (the caller moves to another).
    const signal = AbortSignal.timeout(10_000)
    response = await fetch(url, init ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body), signal } : { signal })
  } catch (error) {
    throw new SignerNetworkError(url, `unreachable (${(error as Error).message})`)
  }
  const json = (await response.json().catch(() => ({}))) as T & { error?: string; reason?: string; participant?: string }
  if (response.status === 403 && json.error === 'policy') throw new SignerNetworkRefusedError(json.reason ?? 'refused')
  if (!response.ok) {
    const who = json.participant ? ` (participant ${json.participant})` : ''
    throw new SignerNetworkError(url, `${json.error ?? response.status}${who}: ${json.reason ?? response.statusText}`, json.participant, json.error)
  }
  return json
}
