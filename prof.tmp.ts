import { startDevnet } from '@latchkey/devnet'
import { createPublicClient, encodeFunctionData, erc20Abi, http, zeroAddress } from 'viem'
import { callPolicyAbi } from '@latchkey/contracts'
import { callPolicy, lte, neq, gte } from '@latchkey/sdk'
const devnet = await startDevnet()
try {
  const c = createPublicClient({ transport: http(devnet.rpcUrl) })
  const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: ['0x1111111111111111111111111111111111111111', 5n] })
  const big = 10n ** 18n
  const configs = {
    r1: callPolicy({ address: zeroAddress === zeroAddress ? devnet.contracts.demoToken : zeroAddress, abi: erc20Abi, functionName: 'transfer', args: [undefined, lte(big)] }).policyConfig,
    r2: callPolicy({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'transfer', args: [neq('0x2222222222222222222222222222222222222222'), lte(big)] }).policyConfig,
    r8: callPolicy({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'transfer', args: [[neq('0x2222222222222222222222222222222222222222'), neq('0x3333333333333333333333333333333333333333'), neq('0x4444444444444444444444444444444444444444'), neq('0x5555555555555555555555555555555555555555')], [lte(big), gte(1n), lte(big), gte(2n)]] }).policyConfig,
  }
  for (const [name, config] of Object.entries(configs)) {
    const gas = await c.estimateGas({ to: devnet.contracts.callPolicy, data: encodeFunctionData({ abi: callPolicyAbi, functionName: 'checkCall', args: [devnet.contracts.demoToken, `0x${'11'.repeat(32)}`, 0n, 1_800_000_000, devnet.contracts.demoToken, 0n, data, config] }), account: devnet.contracts.sessionKeyManager })
    console.log(name, gas, (config.length - 2) / 2)
    const trace: any = await c.request({ method: 'debug_traceCall' as any, params: [{ to: devnet.contracts.callPolicy, from: devnet.contracts.sessionKeyManager, data: encodeFunctionData({ abi: callPolicyAbi, functionName: 'checkCall', args: [devnet.contracts.demoToken, `0x${'11'.repeat(32)}`, 0n, 1_800_000_000, devnet.contracts.demoToken, 0n, data, config] }) }, 'latest', { disableStorage: true, disableMemory: true, disableStack: true }] as any })
    const byOp: Record<string, { n: number; gas: number }> = {}
    for (const l of trace.structLogs) { byOp[l.op] ??= { n: 0, gas: 0 }; byOp[l.op].n++; byOp[l.op].gas += l.gasCost }
    const top = Object.entries(byOp).sort((a, b) => b[1].gas - a[1].gas).slice(0, 12)
    console.log(name, 'steps', trace.structLogs.length, 'gas', trace.gas, JSON.stringify(top))
  }
} finally { await devnet.stop() }
