import { hexToBytes, zeroAddress, type Chain, type Client, type Transport } from 'viem'
import { checkSessionCalls, decodeExecute, frostSignerKey, readSessionState, sessionRequestMessage, userOpCost, type Call, type SessionSigningRequest } from '@latchkey/sdk'

const chainIds = new WeakMap<object, Promise<number>>()
/** The chain's id, asked once per client (a node signs on one chain). */
function chainIdOf(client: Client<Transport, Chain | undefined>): Promise<number> {
  let id = chainIds.get(client)
  if (!id) {
    id = client.request({ method: 'eth_chainId' }).then(Number)
    chainIds.set(client, id)
  }
  return id
}

/**
 * What a node checks before it signs (the distributed-sessions issue): it rebuilds the userOpHash from the
 * full userOp and the signing hash from the request (it never signs a hash it is handed), and it checks the
 * sessions as the manager will: signed for by this group's key, granted (root or record on chain, or an
 * approval), not revoked, inside their windows, every call allowed under the permission the request names,
 * with the policies and their counters read from the chain, and each session's gas policy. Returns the
 * message to sign, or why not.
 */
export async function checkSigningRequest(
  client: Client<Transport, Chain | undefined>,
  groupPublicKey: string,
  request: SessionSigningRequest,
): Promise<{ ok: true; message: Uint8Array } | { ok: false; reason: string }> {
  const chainId = client.chain?.id ?? (await chainIdOf(client))
  const key = frostSignerKey(`0x${groupPublicKey}`).toLowerCase()
  const { userOperation, parts, entries, declaredTime } = request
  for (const [index, { grant }] of parts.entries()) {
    if (grant.chainId !== chainId) return { ok: false, reason: `session ${index} is for chain ${grant.chainId}; this node signs on chain ${chainId}` }
    if (grant.account.toLowerCase() !== userOperation.sender.toLowerCase()) return { ok: false, reason: `session ${index} is for account ${grant.account}, the userOp's sender is ${userOperation.sender}` }
    if (grant.session.signer.toLowerCase() !== key) return { ok: false, reason: `session ${index}'s signer is not this group's key` }
  }
  let calls: Call[]
  try {
    calls = decodeExecute(userOperation.callData)
  } catch (error) {
    return { ok: false, reason: `the userOp's callData is not an ERC-7579 execute (${(error as Error).message})` }
  }
  if (entries.length !== calls.length) return { ok: false, reason: `${entries.length} call entries for ${calls.length} calls` }
  const stray = entries.findIndex((entry) => entry.session >= parts.length)
  if (stray >= 0) return { ok: false, reason: `call ${stray} names session ${entries[stray]!.session}, which the request does not carry` }
  for (const [index, part] of parts.entries()) {
    const mine = entries.flatMap((entry, call) => (entry.session === index ? [{ call, permission: entry.permission }] : []))
    if (mine.length === 0) return { ok: false, reason: `session ${index} is carried but no call uses it` }
    const state = await readSessionState(client, part.grant)
    if (state.mode !== part.mode && state.grant === 'granted') return { ok: false, reason: `session ${index} must prove its grant as ${state.mode}, not ${part.mode}` }
    const result = await checkSessionCalls({
      session: part.grant.session,
      digest: part.grant.digest,
      account: part.grant.account,
      manager: part.grant.manager,
      calls: mine.map(({ call }) => calls[call]!),
      state,
      declaredTime,
    })
    if (!result.ok) {
      const which = result.callIndex < 0 ? '' : ` call ${mine[result.callIndex]!.call}:`
      return { ok: false, reason: `session ${index}:${which} ${result.rule}: ${result.reason}` }
    }
    const claimed = mine.map(({ permission }) => permission)
    if (result.permissionIndices.join() !== claimed.join()) {
      return { ok: false, reason: `session ${index}: the calls are under permissions ${result.permissionIndices.join(', ')}, not ${claimed.join(', ')}` }
    }
    if (part.grant.session.gasPolicy.toLowerCase() !== zeroAddress && state.checkGas) {
      const refused = await state.checkGas(userOpCost(userOperation), declaredTime)
      if (refused) return { ok: false, reason: `session ${index}: gas: ${refused}` }
    }
  }
  return { ok: true, message: hexToBytes(sessionRequestMessage(request, chainId)) }
}
