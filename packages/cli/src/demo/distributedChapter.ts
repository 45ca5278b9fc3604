import { encodeFunctionData, erc20Abi, http, type Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createBundlerClient, type SmartAccount } from 'viem/account-abstraction'
import { startSignerNetwork } from '@latchkey/node'
import { createDistributedSession, erc20Policy, grantSessions, LatchkeyError, sendUserOperationAndWait, toSessionAccount } from '@latchkey/sdk'
import type { DemoContext } from './runDemo.ts'

/**
 * Chapter 5, distributed sessions: a 2-of-3 signer network on loopback (three node processes) generates a
 * group key by DKG; the owner grants a session whose signer is that key (pay at most 100 LKUSD in all to one
 * address); the nodes sign its userOps after checking each against the policy themselves, also with one node
 * killed; a payment over the total is refused by the nodes before anything reaches the chain.
 */
export async function distributedChapter(context: DemoContext, owner: SmartAccount): Promise<void> {
  const { devnet, publicClient, report } = context
  const bundler = createBundlerClient({ client: publicClient, transport: http(devnet.bundlerUrl) })
  const network = await report.step('starting a 2-of-3 signer network (three node processes, each its own SQLite database)', () =>
    startSignerNetwork(3, { rpcUrl: devnet.rpcUrl }),
  )
  try {
    for (const node of network.nodes) report.detail(`node ${node.identifier}  ${node.url}`)
    const client = privateKeyToAccount(generatePrivateKey())
    const payee: Address = privateKeyToAccount(generatePrivateKey()).address
    const { session, signer, key } = await report.step('createDistributedSession: key generation by DKG between the nodes (the SDK relays encrypted shares it cannot read)', () =>
      createDistributedSession({
        nodes: network.nodes.map((n) => n.url),
        threshold: 2,
        client,
        validFor: 3600,
        permissions: [erc20Policy({ token: devnet.contracts.demoToken, recipients: [payee], total: 100_000000n })],
      }),
    )
    report.detail(`group key ${key.groupPublicKey}: no node, and not this process, holds its secret`)
    const { grants } = await report.step('owner userOp: grant the distributed session (pay at most 100 LKUSD in all, to one address)', () =>
      grantSessions(bundler, { account: owner, manager: devnet.contracts.sessionKeyManager, sessions: [session], chainClient: publicClient }),
    )
    const account = await toSessionAccount({ client: publicClient, grant: grants[0]!, signer })
    const pay = (amount: bigint) => ({ to: devnet.contracts.demoToken, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payee, amount] }) })
    const first = await report.step('session userOp signed by 2 of the 3 nodes, each checking the policy: pay 60 LKUSD', () =>
      sendUserOperationAndWait(bundler, { account, calls: [pay(60_000000n)], chainClient: publicClient }),
    )
    report.detail(`gas used ${first.receipt.gasUsed}; signature mode 0x${first.userOperation.signature.slice(2, 4)}, FROST signature checked on chain by FrostSignerVerifier`)
    await network.kill(1)
    await report.step('node 1 killed; the other two sign: pay 40 LKUSD', () => sendUserOperationAndWait(bundler, { account, calls: [pay(40_000000n)], chainClient: publicClient }))
    await report.step('pay 1 LKUSD more (over the total): the nodes refuse to sign', async () => {
      const unchecked = await toSessionAccount({ client: publicClient, grant: grants[0]!, signer, precheck: false })
      try {
        await sendUserOperationAndWait(bundler, { account: unchecked, calls: [pay(1_000000n)], chainClient: publicClient, gas: { callGasLimit: 200_000n, verificationGasLimit: 600_000n, preVerificationGas: 100_000n } })
      } catch (error) {
        if (!(error instanceof LatchkeyError)) throw error
        report.detail(`refused: ${error.shortMessage}`)
        return
      }
      throw new Error('the nodes signed a payment over the total')
    })
  } finally {
    await network.stop()
  }
}
