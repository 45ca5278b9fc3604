/**
 * Off-chain timings (wall clock, this machine; noisy, so each figure is the median of several runs with the
 * min–max beside it, and none is ever a test assertion):
 * - building the Merkle tree of 10^3 and 10^5 existing sessions (their digests, then the tree);
 * - building and signing a session userOp without the network: encoding the calls, the userOpHash, the
 *   session signing hash, the ECDSA signature and the signature envelope (the gas fields and nonce given);
 * - `checkSessionCalls` evaluations per second: the check `checkSessionCall` and the session account run
 *   once the chain state is read, on an ERC-20 transfer under a 2-rule CallPolicy (the off-chain twin).
 */
import { performance } from 'node:perf_hooks'
import { encodeFunctionData, erc20Abi, keccak256, parseGwei, slice, stringToHex, type Address, type Chain, type Client, type Transport } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { entryPoint07Address, getUserOperationHash } from 'viem/account-abstraction'
import {
  buildSessionTree,
  callPolicy,
  checkSessionCalls,
  createPolicyChecker,
  createSession,
  encodeExecute,
  encodeSessionSignature,
  latchkeyModules,
  lte,
  neq,
  sessionDigest,
  sessionSigningHash,
  validatorNonceKey,
  type SessionGrant,
} from '@latchkey/sdk'
import { benchSalt } from './benchSalt.ts'

export type Timing = { id: string; title: string; unit: string; median: number; min: number; max: number; runs: number }

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** Runs `once` `runs` times (after one warm-up run) and reports what `figure` makes of each run's milliseconds. */
async function timed(id: string, title: string, unit: string, runs: number, once: () => Promise<void> | void, figure: (ms: number) => number): Promise<Timing> {
  await once()
  const values: number[] = []
  for (let run = 0; run < runs; run++) {
    const start = performance.now()
    await once()
    values.push(figure(performance.now() - start))
  }
  return { id, title, unit, median: median(values), min: Math.min(...values), max: Math.max(...values), runs }
}

/** A row of BENCHMARKS.md's off-chain table, as bench/run.ts writes it. */
export function timingRow(t: Timing): string {
  const digits = t.median >= 100 ? 0 : t.median >= 10 ? 1 : 2
  return `| ${t.title} | ${t.median.toFixed(digits)} ${t.unit} | ${t.min.toFixed(digits)}–${t.max.toFixed(digits)} | ${t.runs} |`
}

/** Measures the timings whose id `only` accepts (all by default; bench/offChainOnly.ts runs a few). */
export async function measureOffChain(only: (id: string) => boolean = () => true): Promise<Timing[]> {
  const key = privateKeyToAccount(`0x${'f1'.repeat(32)}`)
  const token: Address = '0x1111111111111111111111111111111111111111'
  const account: Address = '0x2222222222222222222222222222222222222222'
  // The manager the session's CallPolicy rules are built into (callPolicy's default).
  const manager: Address = latchkeyModules.sessionKeyManager
  const transfer = (n: number) => ({ to: token, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex(`r/${n}`)), 12), 1n] }) })
  const sessionAt = (i: number) =>
    createSession({
      signer: key.address,
      validAfter: 0,
      validUntil: 4_000_000_000,
      salt: benchSalt(`s/${i}`),
      permissions: [callPolicy({ address: token, abi: erc20Abi, functionName: 'transfer', args: [neq(account), lte(10n ** 24n)] })],
    })
  // The sessions exist (built once, outside the timing); building the tree is their digests and the tree.
  const template = sessionAt(0)
  const many = Array.from({ length: 100_000 }, (_, i) => ({ ...template, salt: benchSalt(`s/${i}`) }))
  const tree = (count: number) => () => {
    buildSessionTree(many.slice(0, count).map(sessionDigest))
  }
  const timings: Timing[] = []
  const measure = async (...args: Parameters<typeof timed>) => {
    if (only(args[0])) timings.push(await timed(...args))
  }
  await measure('tree/1e3', 'build the Merkle tree of 10^3 sessions (their digests, then the tree)', 'ms', 7, tree(1_000), (ms) => ms)
  await measure('tree/1e5', 'build the Merkle tree of 10^5 sessions (their digests, then the tree)', 'ms', 5, tree(100_000), (ms) => ms)

  const session = sessionAt(0)
  const digest = sessionDigest(session)
  const grant: SessionGrant = { chainId: 31337, account, manager, session, digest, grant: { type: 'root', root: digest, proof: [] } }
  const ops = 200
  await measure('sign/session-userop', 'build and sign a session userOp, no network (calls encoded, userOpHash, signing hash, ECDSA, envelope)', 'ms per op', 7, async () => {
    for (let i = 0; i < ops; i++) {
      const callData = encodeExecute([transfer(i)])
      const userOpHash = getUserOperationHash({
        chainId: 31337,
        entryPointAddress: entryPoint07Address,
        entryPointVersion: '0.7',
        userOperation: {
          sender: account,
          nonce: validatorNonceKey(manager, 1n) << 64n,
          callData,
          callGasLimit: 100_000n,
          verificationGasLimit: 150_000n,
          preVerificationGas: 50_000n,
          maxFeePerGas: parseGwei('5'),
          maxPriorityFeePerGas: parseGwei('1'),
          signature: '0x',
        },
      })
      const signature = await key.signMessage({ message: { raw: sessionSigningHash(userOpHash, digest, [0], 1_800_000_000) } })
      encodeSessionSignature(grant, 'recorded', [0], 1_800_000_000, signature)
    }
  }, (ms) => ms / ops)

  // No limits in this policy: the checker never reads the chain, so a client that fails if asked proves it.
  const offline = { request: () => Promise.reject(new Error('no network in this benchmark')) } as unknown as Client<Transport, Chain | undefined>
  const checks = 2_000
  const calls = Array.from({ length: 16 }, (_, i) => transfer(i))
  await measure('check/2-rule-call-policy', 'checkSessionCalls evaluations per second (ERC-20 transfer under a 2-rule CallPolicy, off-chain twin)', 'per second', 7, async () => {
    const policies = createPolicyChecker(offline, grant)
    const state = { now: 1_800_000_000, grant: 'granted' as const, checkPolicy: policies.checkCall }
    for (let i = 0; i < checks; i++) {
      const result = await checkSessionCalls({ session, digest, account, manager, calls: [calls[i % 16]!], state, declaredTime: 1_800_000_000 })
      if (!result.ok) throw new Error(`the benchmark call was refused: ${result.reason}`)
    }
  }, (ms) => (checks * 1000) / ms)
  return timings
}
