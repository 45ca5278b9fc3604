/**
 * `npx tsx --conditions=latchkey-source bench/offChainOnly.ts [id-prefix…]`: only the off-chain timings of
 * bench/offChainTimings.ts whose id starts with one of the prefixes (all of them without any), e.g. `tree/`
 * for the Merkle tree rows, on the workspace's sources (the condition; without it, the built dist/). No devnet,
 * nothing written: it prints rows of BENCHMARKS.md's off-chain table, to be copied there by hand; `npm run
 * bench` measures them all, with the gas cases, and writes the table itself.
 */
import { execSync } from 'node:child_process'
import { cpus } from 'node:os'
import { measureOffChain, timingRow } from './offChainTimings.ts'

const prefixes = process.argv.slice(2)
const timings = await measureOffChain((id) => prefixes.length === 0 || prefixes.some((prefix) => id.startsWith(prefix)))
const commit = execSync('git rev-parse --short HEAD', { cwd: import.meta.dirname }).toString().trim()
process.stdout.write(`Measured ${new Date().toISOString().slice(0, 10)} at commit ${commit} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.\n`)
process.stdout.write(`${timings.map(timingRow).join('\n')}\n`)
