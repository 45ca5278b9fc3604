/**
 * The signer network on loopback (wall clock, this machine; three node processes on 2 cores, the devnet
 * beside them): key generation time for 2-of-3, and the latency of one 2-of-3 signature with every node's
 * policy checks (the request rebuilt, the grant, window and counters read from the chain over RPC, pinned
 * to the latest block and remembered for it, the node's reservations), as p50/p95/p99 over many
 * signatures, and signatures per second with 4 and with 16 requests in flight. The signer takes nonce
 * commitments from pools it fills 16 at a time (FROST's preprocessing); the refills happen during the run,
 * as they would in use, and are in the figures. With 16 in flight the machine is CPU-bound, so the run
 * also reads each process's CPU time (Linux /proc, user + system) and divides it by the signatures made:
 * where a signature's CPU goes.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { encodeFunctionData, erc20Abi, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { UserOperation } from 'viem/account-abstraction'
import { startSignerNetwork } from '@latchkey/node'
import { createSession, erc20Policy, generateDistributedKey, grantSessions, networkSessionSigner, sessionRequestSigningHash, toSessionAccount, type SessionSigningRequest } from '@latchkey/sdk'
import { BENCH_FEES, type MeasureTarget } from './ownerPaths.ts'
import { benchAccount } from './benchAccount.ts'
import type { Timing } from './offChainTimings.ts'

/** CPU time (user + system) a process has used so far, in ms, from Linux's /proc; NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // clock ticks, 100 per second on Linux
  } catch {
    return Number.NaN
  }
}

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
    const window = 5_000
    const throughput = async (inFlight: number) => {
      let done = 0
      const until = performance.now() + window
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (performance.now() < until) {
          await sign()
          done++
        }
      }))
      return (done * 1000) / window
    }
    const figure = (id: string, title: string, value: number, unit: string, runs: number, min = value, max = value): Timing => ({ id, title, unit, median: value, min, max, runs })
    const four = await throughput(4)
    const nodePids = network.nodes.map((node) => node.process.pid!)
    const cpuBefore = [...nodePids, process.pid].map(cpuMs)
    const sixteen = await throughput(16)
    const cpuPerSignature = [...nodePids, process.pid].map((pid, i) => (cpuMs(pid) - cpuBefore[i]!) / ((sixteen * window) / 1000))
    const nodesCpu = cpuPerSignature.slice(0, -1).reduce((a, b) => a + b, 0)
    return [
      figure('network/dkg-2-of-3', 'key generation, 2-of-3, three node processes on loopback (DKG, the SDK relaying)', percentile(dkg, 50), 'ms', dkg.length, dkg[0], dkg.at(-1)),
      figure('network/sign-p50', 'one 2-of-3 signature with both nodes’ policy checks (chain reads over RPC), p50', percentile(latencies, 50), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/sign-p95', 'the same, p95', percentile(latencies, 95), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/sign-p99', 'the same, p99', percentile(latencies, 99), 'ms', latencies.length, latencies[0], latencies.at(-1)),
      figure('network/throughput', `signatures per second, 4 requests in flight for ${window / 1000} s`, four, 'per second', 1),
      figure('network/throughput-16', `signatures per second, 16 requests in flight for ${window / 1000} s`, sixteen, 'per second', 1),
      figure('network/cpu-nodes', 'CPU time of the three node processes per signature, 16 in flight (two shares, their commitments, checks, HTTP)', nodesCpu, 'ms', 1),
      figure('network/cpu-client', 'CPU time of the signing client per signature, 16 in flight (requests signed, shares aggregated and verified)', cpuPerSignature.at(-1)!, 'ms', 1),
    ]
  } finally {
    await network.stop()
  }
}
