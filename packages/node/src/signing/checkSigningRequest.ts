import { hashTypedData, hexToBytes, parseAbi, zeroAddress, type Chain, type Client, type Transport } from 'viem'
import { getCode, readContract } from 'viem/actions'
import { checkSessionCalls, decodeExecute, frostSignerKey, readSessionState, sessionApprovalTypedData, sessionRequestMessage, userOpCost, type Call, type SessionGrant, type SessionSigningRequest } from '@latchkey/sdk'

const erc1271Abi = parseAbi(['function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)'])
const ERC1271_MAGIC = '0x1626ba7e'

/**
 * A carried owner approval is checked as the manager will check it: the EIP-712 `ApproveSession` for this
 * account, chain, manager and epoch, through the account's own ERC-1271 (`eth_call`). An account not yet
 * deployed cannot answer, so the node refuses (deploy it first, or grant by root).
 */
async function approvalProblem(client: Client<Transport, Chain | undefined>, chainId: number, grant: SessionGrant): Promise<string | undefined> {
  if (grant.grant.type !== 'approval') return 'an approval mode without an approval'
  const code = await getCode(client, { address: grant.account })
  if (!code || code === '0x') return 'the account is not deployed, so its ERC-1271 cannot check the owner approval'
  const hash = hashTypedData(sessionApprovalTypedData(chainId, grant.manager, grant.account, grant.grant.epoch, grant.session) as never)
  try {
    // Asked as the manager asks it (the sender matters to some accounts' validators).
    const magic = await readContract(client, { account: grant.manager, address: grant.account, abi: erc1271Abi, functionName: 'isValidSignature', args: [hash, grant.grant.approval] })
    return magic.toLowerCase() === ERC1271_MAGIC ? undefined : 'the owner approval does not validate through the account’s ERC-1271'
  } catch {
    return 'the owner approval does not validate through the account’s ERC-1271 (it reverted)'
  }
}

/**
 * What a node checks before it signs (the distributed-sessions issue): it rebuilds the userOpHash from the
 * full userOp and the signing hash from the request (it never signs a hash it is handed), and it checks the
 * sessions as the manager will: signed for by this group's key, granted (root or record on chain, or an
 * owner approval checked through the account's ERC-1271), not revoked, inside their windows, every call
 * allowed under the permission the request names, with the policies and their counters read from the
 * chain, and each session's gas policy. Returns the message to sign, or why not.
 */
export async function checkSigningRequest(
  client: Client<Transport, Chain | undefined>,
  groupPublicKey: string,
  request: SessionSigningRequest,
): Promise<{ ok: true; message: Uint8Array } | { ok: false; reason: string }> {
  // Asked of the client each time (the node's BlockPinnedReads answers it from memory after the first).
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
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
    if (part.mode === 'enable') {
      const refused = await approvalProblem(client, chainId, part.grant)
      if (refused) return { ok: false, reason: `session ${index}: ${refused}` }
    }
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
