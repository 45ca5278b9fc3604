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
import { gasSnapshot } from './gasSnapshot.ts'

const root = join(import.meta.dirname, '..')
const devnet = await startDevnet()
let cases: GasCase[]
try {
  cases = await measureOwnerPaths({ ...devnet, funderKey: devnet.testKeys[2]!.privateKey })
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
const rows = cases.map((c) => `| ${c.title} | ${c.gasUsed.toLocaleString('en-US')} | ${c.signatureBytes} |`)
const premium = get('owner-module/steady-erc20-transfer') - get('owner-builtin/steady-erc20-transfer')
const table = [
  `Measured ${date} at commit ${commit} on ${machine}; anvil 1.7.1 (cancun), Alto 0.0.20, EntryPoint v0.7.`,
  '',
  '| case | gasUsed (handleOps) | signature bytes |',
  '|---|---:|---:|',
  ...rows,
  '',
  `The module path costs ${premium.toLocaleString('en-US')} gas more per steady ERC-20 transfer than the built-in path.`,
].join('\n')

const path = join(root, 'BENCHMARKS.md')
const text = readFileSync(path, 'utf8')
const begin = '<!-- owner-paths:begin -->'
const end = '<!-- owner-paths:end -->'
const updated = text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`)
writeFileSync(path, updated)
process.stdout.write(`${table}\n`)
