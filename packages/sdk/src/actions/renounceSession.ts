import { concat, encodeAbiParameters, encodeFunctionData, keccak256, stringToHex, type Account, type Address, type Chain, type Client, type Hex, type LocalAccount, type Transport, type TransactionReceipt, type WalletClient } from 'viem'
import { readContract, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import { sessionKeyManagerAbi } from '@latchkey/contracts'
import { SessionNotUsableError } from '../errors/session.ts'
import { encodeSession } from '../sessions/sessionEncoding.ts'
import type { SessionGrant } from '../sessions/sessionGrant.ts'
import { toSessionSigner, type SessionSigner } from '../signers/sessionSigner.ts'
import { getSessionStatus } from './getSessionStatus.ts'

/** The manager's RENOUNCE_TAG: keccak256("Latchkey.RenounceSession"). */
const RENOUNCE_TAG = keccak256(stringToHex('Latchkey.RenounceSession'))

/** What a session's signer signs (EIP-191 of these 32 bytes) to renounce it: the manager's `renounceHash`. */
export function sessionRenounceHash(grant: Pick<SessionGrant, 'chainId' | 'manager' | 'account' | 'digest'>): Hex {
  return keccak256(
    encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'bytes32' }], [RENOUNCE_TAG, BigInt(grant.chainId), grant.manager, grant.account, grant.digest]),
  )
}

export type RenounceSessionParameters = {
  grant: SessionGrant
  /** The session's signer: its key signs the renounce. (The signer network does not sign renounces yet.) */
  signer: LocalAccount | SessionSigner
}

/**
 * The call that renounces a session, signed by its signer: `{ to: manager, data }`, which anyone may send (the
 * holder's own EOA, a relayer, the dApp's backend); it costs the account nothing. A root grant carries its
 * proof; an approval grant must have been used once (recorded): an approval never used has nothing on chain
 * to renounce, and is given up by discarding it with its key.
 */
export async function renounceSessionCall(parameters: RenounceSessionParameters): Promise<{ to: Address; data: Hex }> {
  const { grant } = parameters
  const signature = await toSessionSigner(parameters.signer).signSessionHash(sessionRenounceHash(grant))
  const proof = grant.grant.type === 'root' ? concat(['0x', ...grant.grant.proof]) : '0x'
  return {
    to: grant.manager,
    data: encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'renounceSession', args: [grant.account, encodeSession(grant.session), proof, signature] }),
  }
}

/**
 * The session's holder gives it up (Coinbase's `revokeAsSpender`): from then on it is revoked, on chain and in
 * the off-chain check, exactly as if the owner had revoked it. Sent as a transaction by `walletClient`'s
 * account (any funded EOA); refused first, with the reason, when the session is not the account's now or is
 * revoked already.
 *
 * @example
 * await renounceSession(walletClient, { grant, signer: sessionKey })
 */
export async function renounceSession(
  walletClient: WalletClient<Transport, Chain | undefined, Account>,
  parameters: RenounceSessionParameters & { chainClient?: Client<Transport, Chain | undefined> | undefined },
): Promise<TransactionReceipt> {
  const { grant } = parameters
  const client = parameters.chainClient ?? walletClient
  const [status] = await getSessionStatus(client, [grant])
  if (status === 'revoked') throw new SessionNotUsableError(grant.digest, 'revoked', 'it is revoked already: nothing to renounce')
  if (status === 'not-granted') throw new SessionNotUsableError(grant.digest, 'not-granted', 'the account does not grant it now: nothing to renounce')
  if (grant.grant.type === 'approval') {
    const [record, current] = await readContract(client, { address: grant.manager, abi: sessionKeyManagerAbi, functionName: 'sessionRecord', args: [grant.account, grant.digest] })
    if (record !== 1 || !current) throw new SessionNotUsableError(grant.digest, 'not-granted', 'its approval was never used, so nothing on chain grants it: discard the approval and its key')
  }
  const hash = await sendTransaction(walletClient, { ...(await renounceSessionCall(parameters)), account: walletClient.account, chain: walletClient.chain })
  return waitForTransactionReceipt(client, { hash })
}
