import { hashTypedData, hexToBytes, parseAbi, zeroAddress, type Chain, type Client, type Hex, type Transport } from 'viem'
import { getBlock, getCode, readContract } from 'viem/actions'
import { entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { checkSessionCalls, earlierEnd, decodeExecute, frostSignerKey, isCanonicalExecute, readSessionState, sessionApprovalTypedData, sessionRequestMessage, userOpCost, type Call, type ReservedUsage, type SessionGrant, type SessionSigningRequest } from '@latchkey/sdk'
import type { SessionIncrements } from './signatureReservations.ts'

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

/** How far ahead of the chain's latest block a request may declare its time: the SDK's margin and some clock skew. */
const MAX_DECLARED_AHEAD_SECONDS = 30

/**
 * A declared time well ahead of the chain (an op for a future period, signed now to be used later), or a
 * nonce the EntryPoint has already moved past: the node signs neither.
 */
async function timeAndNonceProblem(client: Client<Transport, Chain | undefined>, request: SessionSigningRequest): Promise<string | undefined> {
  const { userOperation, declaredTime } = request
  const [block, next] = await Promise.all([
    getBlock(client, { blockTag: 'latest' }),
    readContract(client, { address: entryPoint07Address, abi: entryPoint07Abi, functionName: 'getNonce', args: [userOperation.sender, userOperation.nonce >> 64n] }),
  ])
  const latest = Number(block.timestamp)
  if (declaredTime > latest + MAX_DECLARED_AHEAD_SECONDS) {
    return `the request declares time ${declaredTime}, ${declaredTime - latest} s ahead of the chain's latest block (${latest}): a node signs only for now (at most ${MAX_DECLARED_AHEAD_SECONDS} s ahead), never for a later period`
  }
  if (userOperation.nonce < next) return `the userOp's nonce ${userOperation.nonce} is already used (the EntryPoint's next for this key is ${next})`
  return undefined
}

/**
 * What a node checks before it signs (the distributed-sessions issue): it rebuilds the userOpHash from the
 * full userOp and the signing hash from the request (it never signs a hash it is handed), and it checks the
 * sessions as the manager will: signed for by this group's key, granted (root or record on chain, or an
 * owner approval checked through the account's ERC-1271), not revoked, inside their windows, every call
 * allowed under the permission the request names, with the policies and their counters read from the
 * chain, and each session's gas policy. The amounts `reserved` for other ops already signed count as if they
 * had landed. Returns the message to sign and what the op adds to its sessions' counters (for the node to
 * reserve), or why not.
 */
export async function checkSigningRequest(
  client: Client<Transport, Chain | undefined>,
  groupPublicKey: string,
  request: SessionSigningRequest,
  reserved: (digest: Hex) => ReservedUsage = () => () => [],
): Promise<{ ok: true; message: Uint8Array; increments: SessionIncrements[]; validUntil: number } | { ok: false; reason: string }> {
  // Asked of the client each time (the node's BlockPinnedReads answers it from memory after the first).
  const chainId = client.chain?.id ?? Number(await client.request({ method: 'eth_chainId' }))
  const key = frostSignerKey(`0x${groupPublicKey}`).toLowerCase()
  const { userOperation, parts, entries, declaredTime } = request
  for (const [index, { grant }] of parts.entries()) {
    if (grant.chainId !== chainId) return { ok: false, reason: `session ${index} is for chain ${grant.chainId}; this node signs on chain ${chainId}` }
    if (grant.account.toLowerCase() !== userOperation.sender.toLowerCase()) return { ok: false, reason: `session ${index} is for account ${grant.account}, the userOp's sender is ${userOperation.sender}` }
    if (grant.session.signer.toLowerCase() !== key) return { ok: false, reason: `session ${index}'s signer is not this group's key` }
  }
  const repeated = parts.findIndex((part, index) => parts.findIndex((other) => other.grant.digest.toLowerCase() === part.grant.digest.toLowerCase()) !== index)
  if (repeated >= 0) {
    const first = parts.findIndex((other) => other.grant.digest.toLowerCase() === parts[repeated]!.grant.digest.toLowerCase())
    return { ok: false, reason: `session ${repeated} is session ${first} again: the manager refuses a batch that carries a session twice (SessionBatchSessionRepeated), and each part alone would pass its limits` }
  }
  let calls: Call[]
  try {
    calls = decodeExecute(userOperation.callData)
  } catch (error) {
    return { ok: false, reason: `the userOp's callData is not an ERC-7579 execute (${(error as Error).message})` }
  }
  // Decoded as strictly as the account's Solidity decoder: one encoding only (no dirty address bits, no stray offsets).
  if (!isCanonicalExecute(userOperation.callData)) return { ok: false, reason: "the userOp's callData is not in canonical ABI encoding (dirty upper bytes, offsets or trailing bytes the account's decoder would not read as the node does)" }
  const stale = await timeAndNonceProblem(client, request)
  if (stale) return { ok: false, reason: stale }
  if (entries.length !== calls.length) return { ok: false, reason: `${entries.length} call entries for ${calls.length} calls` }
  const stray = entries.findIndex((entry) => entry.session >= parts.length)
  if (stray >= 0) return { ok: false, reason: `call ${stray} names session ${entries[stray]!.session}, which the request does not carry` }
  const increments: SessionIncrements[] = []
  let validUntil = 0
  for (const [index, part] of parts.entries()) {
    const mine = entries.flatMap((entry, call) => (entry.session === index ? [{ call, permission: entry.permission }] : []))
    if (mine.length === 0) return { ok: false, reason: `session ${index} is carried but no call uses it` }
    const state = await readSessionState(client, part.grant, { reserved: reserved(part.grant.digest) })
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
    const moved = state.increments()
    increments.push({ digest: part.grant.digest, counters: moved.counters })
    validUntil = index === 0 ? moved.validUntil : earlierEnd(validUntil, moved.validUntil)
  }
  return { ok: true, message: hexToBytes(sessionRequestMessage(request, chainId)), increments, validUntil }
}
