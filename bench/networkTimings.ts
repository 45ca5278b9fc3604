/**
 * The signer network on loopback (wall clock, this machine; three node processes on 2 cores, the devnet
 * beside them): key generation time for 2-of-3, and the latency of one 2-of-3 signature with every node's
 * policy checks (the request rebuilt, the grant, window and counters read from the chain over RPC, pinned
 * to the latest block and remembered for it), as p50/p95/p99 over many signatures, and signatures per
 * second with 4 requests in flight. The signer takes nonce commitments from pools it fills 16 at a time
 * (FROST's preprocessing); the refills happen during the run, as they would in use, and are in the figures.
 */
import { performance } from 'node:perf_hooks'
import { encodeFunctionData, erc20Abi, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { UserOperation } from 'viem/account-abstraction'
import { startSignerNetwork } from '@latchkey/node'
import { createSession, erc20Policy, generateDistributedKey, grantSessions, networkSessionSigner, sessionRequestSigningHash, toSessionAccount, type SessionSigningRequest } from '@latchkey/sdk'
import { BENCH_FEES, type MeasureTarget } from './ownerPaths.ts'
import { benchAccount } from './benchAccount.ts'
import type { Timing } from './offChainTimings.ts'

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

export async function measureNetworkTimings(target: MeasureTarget): Promise<Timing[]> {
  const network = await startSignerNetwork(3, { rpcUrl: target.rpcUrl })
  try {
    const urls = network.nodes.map((n) => n.url)
    const client = privateKeyToAccount(generatePrivateKey())
    const dkg: number[] = []
    let key: Awaited<ReturnType<typeof generateDistributedKey>> | undefined
    for (let run = 0; run < 6; run++) {
      const start = performance.now()
      key = await generateDistributedKey({ nodes: urls, threshold: 2, client })
      if (run > 0) dkg.push(performance.now() - start) // the first run warms the processes up
    }
    dkg.sort((a, b) => a - b)

    const { publicClient, bundler, account } = await benchAccount(target, 'c7')
    const signer = networkSessionSigner({ ...key!, client })
    const session = createSession({ signer, validFor: 3600, permissions: [erc20Policy({ token: target.contracts.demoToken, total: 10n ** 12n })] })
    const { grants } = await grantSessions(bundler, { fees: BENCH_FEES, account, manager: target.contracts.sessionKeyManager, sessions: [session] })
    const user = await toSessionAccount({ client: publicClient, grant: grants[0]!, signer })
    const call = { to: target.contracts.demoToken, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [client.address, 1n] }) }
    const op = (await bundler.prepareUserOperation({ account: user, calls: [call], ...BENCH_FEES })) as UserOperation<'0.7'>
    const request: SessionSigningRequest = { userOperation: op, parts: [{ grant: grants[0]!, mode: 'root' }], entries: [{ session: 0, permission: 0 }], declaredTime: Math.floor(Date.now() / 1000) }
    const hash: Hex = sessionRequestSigningHash(request, target.chain.id)
    const sign = () => signer.signSessionRequest!(request, hash)
    await sign()
    const latencies: number[] = []
    for (let i = 0; i < 100; i++) {
      const start = performance.now()
      await sign()
      latencies.push(performance.now() - start)
    }
    latencies.sort((a, b) => a - b)
    const inFlight = 4
    const window = 5_000
    let done = 0
    const until = performance.now() + window
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await sign()
        done++
      }
    }))
    const figure = (id: string, title: string, value: number, unit: string, runs: number, min = value, max = value): Timing => ({ id, title, unit, median: value, min, max, runs })
    return [
      figure('network/dkg-2-of-3', 'key generation, 2-of-3, three node processes on loopback (DKG, the SDK relaying)', percentile(dkg, 50), 'ms', dkg.length, dkg[0], dkg.at(-1)),
      figure('network/sign-p50', 'one 2-of-3 signature with both nodes’ policy checks (chain reads over RPC), p50', percentile(latencies, 50), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/sign-p95', 'the same, p95', percentile(latencies, 95), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/sign-p99', 'the same, p99', percentile(latencies, 99), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/throughput', `signatures per second, ${inFlight} requests in flight for ${window / 1000} s`, (done * 1000) / window, 'per second', 1),
    ]
  } finally {
    await network.stop()
  }
}
