/**
 * Gas of session policies: the same steady session ERC-20 transfer (recorded session, its second use, to a
 * fresh recipient) under no policy, CallPolicy rules (built into the manager) with 1, 2, 4 and 8 rules and
 * with limits kept on chain, the same 2 rules in the pluggable CallPolicy module, the Erc20Policy, a
 * StreamPolicy (ERC-7715 streams), and a GasPolicy. The differences are the cost of a rule and of a limit (BENCHMARKS.md).
 *
 * Cases under `policy-periodic/` declare the real time (their limits have periods), so their signature
 * bytes, and with them a few units of calldata gas, change from run to run: they are reported but are not
 * part of the exact gas snapshot.
 */
import { encodeFunctionData, erc20Abi, keccak256, parseEther, parseGwei, parseUnits, slice, stringToHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  callPolicy,
  createSession,
  DEFAULT_SESSION_GAS_BOUNDS,
  createSessionApproval,
  erc20Policy,
  erc7579ModuleConfigAbi,
  gasPolicy,
  gte,
  lt,
  lte,
  neq,
  perPeriod,
  permission,
  sendUserOperationAndWait,
  streamPolicy,
  toSessionAccount,
  total,
  type Permission,
} from '@latchkey/sdk'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

export async function measurePolicyPaths(target: MeasureTarget): Promise<GasCase[]> {
  const token = target.contracts.demoToken
  const manager = target.contracts.sessionKeyManager
  const cases: GasCase[] = []
  // Sessions granted by approval need the manager installed (as a validator, with no root).
  const { publicClient, bundler, account } = await benchAccount(target, 'c2', (address) => [
    { to: address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) },
  ])
  let recipients = 0
  const fresh = () => slice(keccak256(stringToHex(`policy/recipient/${recipients++}`)), 12)
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [fresh(), parseUnits('1', 6)] }) })
  const big = parseUnits('1000000', 6)
  const not = (n: number) => neq(slice(keccak256(stringToHex(`not/${n}`)), 12))
  const onTransfer = (args: Parameters<typeof callPolicy<typeof erc20Abi, 'transfer'>>[0]['args'], limits?: Parameters<typeof callPolicy<typeof erc20Abi, 'transfer'>>[0]['limits'], policy?: `0x${string}`) =>
    callPolicy({ address: token, abi: erc20Abi, functionName: 'transfer', args, ...(limits ? { limits } : {}), ...(policy ? { policy } : {}) })

  /** Grants a session by approval, uses it once (recording it), then measures its second, steady use. */
  // Every case names its gas policy: `gas` given, or 'unbounded' (no gas policy, as these cases measured
  // before the SDK bounded gas by default), or 'default' (the SDK's default bounds).
  async function measure(id: string, title: string, permissions: Permission[], options: { gas?: { policy: `0x${string}`; config: Hex } | 'default'; periodic?: boolean } = {}) {
    const keyByte = (cases.length + 0x40).toString(16)
    const key = privateKeyToAccount(`0x${keyByte.repeat(32)}`)
    const gas = options.gas === 'default' ? {} : { gas: options.gas ?? ('unbounded' as const) }
    const session = createSession({ signer: key.address, validAfter: 0, validUntil: 4_000_000_000, salt: benchSalt(id), permissions, ...gas })
    const grant = await createSessionApproval({ account, manager, session })
    const user = await toSessionAccount({ client: publicClient, grant, signer: key, ...(options.periodic ? {} : { declaredTime: FIXED_DECLARED_TIME }) })
    await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
    const steady = await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
    if (!steady.success) throw new Error(`${id}: the measured call reverted`)
    cases.push(caseOf(id, title, steady))
  }

  await measure('policy/none', 'no policy and no gas policy (the permission alone)', [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })])
  await measure('policy/call-1-rule', 'CallPolicy, 1 rule (amount ≤ x)', [onTransfer([undefined, lte(big)])])
  await measure('policy/call-2-rules', 'CallPolicy, 2 rules (recipient ≠ a, amount ≤ x)', [onTransfer([not(1), lte(big)])])
  await measure('policy/call-2-rules-module', 'CallPolicy module (pluggable, not built in), 2 rules', [onTransfer([not(1), lte(big)], undefined, target.contracts.callPolicy)])
  await measure('policy/call-4-rules', 'CallPolicy, 4 rules', [onTransfer([[not(1), not(2)], [lte(big), gte(1n)]])])
  await measure('policy/call-8-rules', 'CallPolicy, 8 rules', [onTransfer([[not(1), not(2), not(3), not(4)], [lte(big), gte(1n), lt(big + 1n), neq(7n)]])])
  await measure('policy/call-2-rules-total', 'CallPolicy, 2 rules + lifetime total of amount', [onTransfer([not(1), [lte(big), total(big)]])])
  await measure('policy/call-2-rules-total-calls', 'CallPolicy, 2 rules + lifetime total + lifetime call count', [onTransfer([not(1), [lte(big), total(big)]], { calls: { max: 1_000_000n } })])
  await measure('policy/erc20-per-call-and-total', 'Erc20Policy, per-call cap + lifetime total', [erc20Policy({ token, perCall: big, total: big })])
  await measure('policy/gas-fee-and-total', 'no call policy; GasPolicy: fee bound + lifetime total', [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })], {
    gas: gasPolicy({ maxFeePerGas: parseGwei('1000'), total: parseEther('1') }),
  })
  await measure('policy/default-gas-bounds', 'no call policy; the SDK\'s default gas bounds (createSession without `gas`: fee cap, gas-limit cap, lifetime total)', [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })], {
    gas: 'default',
  })
  await measure('policy/default-gas-bounds-module', 'no call policy; the same default bounds in the GasPolicy module (not built in)', [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })], {
    gas: gasPolicy({ ...DEFAULT_SESSION_GAS_BOUNDS, policy: target.contracts.gasPolicy }),
  })
  // A stream's op is held until its declared time (validAfter): it declares the real time, like the periodic cases.
  await measure('policy-periodic/stream-erc20', 'StreamPolicy (an ERC-7715 erc20-token-stream: transfer only, within what accrued; declares the real time)', [
    streamPolicy({ token, amountPerSecond: big, startTime: 0, policy: target.contracts.streamPolicy }),
  ], { periodic: true })
  await measure('policy-periodic/call-2-rules-per-day', 'CallPolicy, 2 rules + a daily total of amount (declares the real time)', [onTransfer([not(1), [lte(big), perPeriod(big, 86_400)]])], { periodic: true })
  return cases
}
