import { createWalletClient, encodeFunctionData, http, slice } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { demoCounterAbi } from '@latchkey/contracts'
import {
  createSession,
  createSessionApproval,
  describeSession,
  getRemainingAllowance,
  hasP256Precompile,
  LatchkeyError,
  permission,
  renounceSession,
  sendUserOperationAndWait,
  toSessionAccount,
  webCryptoSessionSigner,
} from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

/**
 * Chapter: a session key held as a non-extractable WebCrypto P-256 key (what a browser page keeps in IndexedDB:
 * no script can read it, it can only sign). The owner approves the session off chain; its first use records it;
 * the chain checks the P-256 signature (in Solidity here: the devnet's hardfork has no P-256 precompile). Then
 * the holder renounces the session, and its next use is refused.
 */
export async function p256Chapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  const precompile = await hasP256Precompile(publicClient)
  const signer = await webCryptoSessionSigner({ keyPair, verification: precompile ? 'precompile' : 'solidity' })
  report.detail(`P-256 key    ${slice(signer.key, 0, 8)}… (WebCrypto, extractable: ${keyPair.privateKey.extractable}; the chain's P-256 precompile: ${precompile ? 'yes' : 'no'})`)
  const session = createSession({ signer, validFor: 3600, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
  report.detail(describeSession(session).split('\n')[0]!)
  const grant = await report.step('owner approves the session off chain (no transaction)', () =>
    createSessionApproval({ account: owner, manager: devnet.contracts.sessionKeyManager, session, chainClient: publicClient }),
  )
  const account = await toSessionAccount({ client: publicClient, grant, signer })
  const count = { to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) }
  const first = await report.step('session userOp signed by the WebCrypto key: records the session and counts', () =>
    sendUserOperationAndWait(bundler, { account, calls: [count], chainClient: publicClient }),
  )
  report.detail(`userOp hash  ${first.userOpHash}   gas used ${first.receipt.gasUsed}`)
  const second = await report.step('again, steady (the session is recorded)', () => sendUserOperationAndWait(bundler, { account, calls: [count], chainClient: publicClient }))
  report.detail(`userOp hash  ${second.userOpHash}   gas used ${second.receipt.gasUsed} (P-256 in Solidity; with the precompile ≈ ECDSA + 12k: BENCHMARKS.md)`)

  // The holder gives the session up: its key signs the renounce, a relayer (here a devnet key) sends it.
  const relayer = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[0]!.privateKey) })
  const renounced = await report.step('the holder renounces the session (signed by the WebCrypto key, sent by a relayer)', () =>
    renounceSession(relayer, { grant, signer, chainClient: publicClient }),
  )
  report.detail(`transaction  ${renounced.transactionHash}   gas used ${renounced.gasUsed}   status now: ${(await getRemainingAllowance(publicClient, grant)).status}`)
  await report.step('a session userOp after the renounce is refused before sending', async () => {
    try {
      await sendUserOperationAndWait(bundler, { account, calls: [count], chainClient: publicClient })
    } catch (error) {
      if (!(error instanceof LatchkeyError)) throw error
      report.detail(`refused: ${error.shortMessage}`)
      return
    }
    throw new Error('the renounced session was not refused')
  })
}
