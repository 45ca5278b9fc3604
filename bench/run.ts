/**
 * `npm run bench`: starts its own devnet, measures every case through the Alto bundler, and writes
 * bench/results.json and the figures table in BENCHMARKS.md (between the generated-table markers).
 */
import { execSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { startDevnet } from '@latchkey/devnet'
import { measureOwnerPaths, type GasCase } from './ownerPaths.ts'
import { measureSessionPaths } from './sessionPaths.ts'
import { measurePolicyPaths } from './policyPaths.ts'
import { measureBatchPaths } from './batchPaths.ts'
import { gasSnapshot } from './gasSnapshot.ts'

const root = join(import.meta.dirname, '..')
const devnet = await startDevnet()
let cases: GasCase[]
try {
  const target = { ...devnet, funderKey: devnet.testKeys[2]!.privateKey }
  cases = [...(await measureOwnerPaths(target)), ...(await measureSessionPaths(target)), ...(await measurePolicyPaths(target)), ...(await measureBatchPaths(target))]
} finally {
  await devnet.stop()
}

const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: root }).toString().trim()
  } catch {
    return 'unknown'
  }
})()
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`
const date = new Date().toISOString().slice(0, 10)

writeFileSync(
  join(root, 'bench', 'results.json'),
  `${JSON.stringify({ date, commit, machine, cases: cases.map((c) => ({ ...c, gasUsed: Number(c.gasUsed) })) }, null, 2)}\n`,
)

writeFileSync(join(root, 'bench', 'gas-snapshot.json'), gasSnapshot(cases))

const get = (id: string) => cases.find((c) => c.id === id)!.gasUsed
const fmt = (n: bigint) => n.toLocaleString('en-US')
const rows = (prefix: string) =>
  cases.filter((c) => c.id.startsWith(prefix)).map((c) => `| ${c.title} | ${fmt(c.gasUsed)} | ${c.signatureBytes} |`)
const header = ['| case | gasUsed (handleOps) | signature bytes |', '|---|---:|---:|']
const stamp = `Measured ${date} at commit ${commit} on ${machine}; anvil 1.7.1 (cancun), Alto 0.0.20, EntryPoint v0.7.`
const builtin = get('owner-builtin/steady-erc20-transfer')
const viaModule = get('owner-module/steady-erc20-transfer')
const ownerTable = [stamp, '', ...header, ...rows('owner-'), '', `The module path costs ${fmt(viaModule - builtin)} gas more per steady ERC-20 transfer than the built-in path.`].join('\n')
const premiums = ['session/root-steady-erc20-transfer', 'session/recorded-steady-erc20-transfer'].map((id) => {
  const c = cases.find((x) => x.id === id)!
  return `| ${c.title} | ${fmt(c.gasUsed)} | +${fmt(c.gasUsed - builtin)} | +${fmt(c.gasUsed - viaModule)} | ${c.signatureBytes} |`
})
const sessionTable = [
  stamp,
  '',
  ...header,
  ...rows('session/'),
  '',
  '| steady session ERC-20 transfer | gas | premium over owner, built-in | premium over owner, module | signature bytes |',
  '|---|---:|---:|---:|---:|',
  ...premiums,
].join('\n')

const none = get('policy/none')
const delta = (id: string) => get(id) - none
const perRule = (delta('policy/call-8-rules') - delta('policy/call-1-rule')) / 7n
const policyTable = [
  stamp,
  '',
  '| steady session ERC-20 transfer, recorded session, under | gasUsed | over no policy | signature bytes |',
  '|---|---:|---:|---:|',
  ...cases.filter((c) => c.id.startsWith('policy')).map((c) => `| ${c.title} | ${fmt(c.gasUsed)} | +${fmt(c.gasUsed - none)} | ${c.signatureBytes} |`),
  '',
  `- CallPolicy call with 1 rule: +${fmt(delta('policy/call-1-rule'))} over no policy (the module call, its config in calldata, the rule).`,
  `- Each further rule: ≈${fmt(perRule)} gas ((8 rules − 1 rule) / 7).`,
  `- A lifetime limit (a counter slot in the module, read and written): +${fmt(get('policy/call-2-rules-total') - get('policy/call-2-rules'))}; a second one: +${fmt(get('policy/call-2-rules-total-calls') - get('policy/call-2-rules-total'))}.`,
].join('\n')

const batch = get('batch/3-sessions-3-calls')
const singles = get('batch/3-single-userops')
const oneSession = get('batch/1-session-3-calls')
const batchTable = [
  stamp,
  '',
  ...header,
  ...rows('batch/'),
  '',
  `- One batch userOp instead of three single-session userOps saves ${fmt(singles - batch)} gas (${((Number(singles - batch) * 100) / Number(singles)).toFixed(0)}%): one EntryPoint overhead, one signature check.`,
  `- The batch mode costs ${fmt(batch - oneSession)} gas more than the same calls under one session with all three permissions (three sessions read, hashed and checked for their grant instead of one).`,
].join('\n')

const path = join(root, 'BENCHMARKS.md')
let text = readFileSync(path, 'utf8')
for (const [name, table] of [['owner-paths', ownerTable], ['session-paths', sessionTable], ['policy-paths', policyTable], ['batch-paths', batchTable]] as const) {
  const begin = `<!-- ${name}:begin -->`
  const end = `<!-- ${name}:end -->`
  text = text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`)
}
writeFileSync(path, text)
process.stdout.write(`${ownerTable}\n\n${sessionTable}\n\n${policyTable}\n\n${batchTable}\n`)
