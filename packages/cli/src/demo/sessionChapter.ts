import { encodeFunctionData } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { http } from 'viem'
import { demoCounterAbi } from '@latchkey/contracts'
import {
  createSession,
  getSessionStatus,
  grantSessions,
  LatchkeyError,
  parseSessionGrant,
  permission,
  revokeSessions,
  sendUserOperationAndWait,
  serializeSessionGrant,
  toSessionAccount,
} from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

/**
 * Chapter 2, session keys: the owner grants a session that may only call DemoCounter.count(); the session
 * key uses it with no owner signature; an out-of-scope call is refused with its reason; the owner revokes;
 * the next use is refused.
 */
export async function sessionChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const manager = devnet.contracts.sessionKeyManager
  const sessionKey = privateKeyToAccount(generatePrivateKey())
  const session = createSession({
    signer: sessionKey.address,
    validFor: 3600,
    permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })],
  })
  report.detail(`session key  ${sessionKey.address} (new; may call DemoCounter.count() for one hour, nothing else)`)

  const { grants, receipt } = await report.step('owner userOp: install the SessionKeyManager and grant the session (Merkle root)', () =>
    grantSessions(bundler, { account: owner, manager, sessions: [session], chainClient: publicClient }),
  )
  report.detail(`userOp hash  ${receipt.userOpHash}   gas used ${receipt.receipt.gasUsed}`)
  report.detail(`session      ${grants[0]!.digest}`)

  // The grant is what a bot or a server receives (as JSON); the key travels separately.
  const { grant } = parseSessionGrant(serializeSessionGrant(grants[0]!))
  const sessionAccount = await toSessionAccount({ client: publicClient, grant, signer: sessionKey })
  const count = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) }
  const used = await report.step('session userOp: DemoCounter.count(), signed by the session key alone', () =>
    sendUserOperationAndWait(bundler, { account: sessionAccount, calls: [count], chainClient: publicClient }),
  )
  report.detail(`userOp hash  ${used.userOpHash}   gas used ${used.receipt.gasUsed}   result ${used.success ? 'success' : 'reverted'}`)
  const counted = await publicClient.readContract({ address: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [owner.address] })
  report.detail(`the account has now counted ${counted} times`)

  const outOfScope = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'refuse', args: [1n] }) }
  await report.step('session userOp out of scope: DemoCounter.refuse(1) is refused before sending', async () => {
    try {
      await sendUserOperationAndWait(bundler, { account: sessionAccount, calls: [outOfScope], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the out-of-scope call was not refused')
  })

  const revoked = await report.step('owner userOp: revoke the session', () =>
    revokeSessions(bundler, { account: owner, manager, sessions: [grant.digest], chainClient: publicClient }),
  )
  report.detail(`userOp hash  ${revoked.userOpHash}   status now: ${(await getSessionStatus(publicClient, [grant]))[0]}`)
  await report.step('session userOp after the revoke is refused', async () => {
    try {
      await sendUserOperationAndWait(bundler, { account: sessionAccount, calls: [count], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the revoked session was not refused')
  })
}
