/**
 * `npm run bench:profile -- [case-id …]`: where a measured userOp's gas goes. Starts a devnet, measures the
 * session and policy cases (as `npm run bench` does), traces the chosen cases' bundle transactions
 * (`debug_traceTransaction`, struct logs) and prints:
 * - gas per call frame (the contract, its own opcodes, the calls it makes);
 * - inside SessionKeyManager's frames, gas per Solidity function and per source line (solc source map of a
 *   build with the pinned settings), with cold storage reads and precompile calls apart, and per opcode.
 *
 * A profile, not a benchmark: it explains the figures `npm run bench` measures. Default case:
 * `policy/call-2-rules`.
 */
import { createRequire } from 'node:module'
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { createPublicClient, http, type Hex } from 'viem'
import { startDevnet } from '@latchkey/devnet'
import { compilerSettings } from '../packages/contracts/scripts/compilerSettings.ts'
import { measureSessionPaths } from './sessionPaths.ts'
import { measurePolicyPaths } from './policyPaths.ts'
import { measureTreePaths } from './treePaths.ts'

type StructLog = { pc: number; op: string; gas: number; gasCost: number; depth: number; stack?: string[] }

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const caseIds = wanted.length > 0 ? wanted : ['policy/call-2-rules']

/** The manager's runtime source map, compiled with the pinned settings. */
function managerSourceMap(): { map: string; bytecode: string; sources: Map<number, { path: string; text: string }> } {
  const require = createRequire(import.meta.url)
  const solc = require('solc') as { compile(input: string, options: unknown): string }
  const contractsDir = join(import.meta.dirname, '..', 'packages', 'contracts')
  const listSources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listSources(join(dir, e.name)) : e.name.endsWith('.sol') ? [join(dir, e.name)] : []))
  const sources = Object.fromEntries(
    listSources(join(contractsDir, 'src', 'sessions')).concat(listSources(join(contractsDir, 'src', 'policies')))
      .map((f) => [`src/${relative(join(contractsDir, 'src'), f).split(sep).join('/')}`, { content: readFileSync(f, 'utf8') }]),
  )
  const input = {
    language: 'Solidity',
    sources,
    settings: { ...compilerSettings, outputSelection: { '*': { '*': ['evm.deployedBytecode.object', 'evm.deployedBytecode.sourceMap'], '': ['ast'] } } },
  }
  const resolveImport = (path: string) => {
    try {
      return { contents: readFileSync(require.resolve(path, { paths: [contractsDir] }), 'utf8') }
    } catch {
      return { error: `not found: ${path}` }
    }
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: resolveImport })) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { evm: { deployedBytecode: { object: string; sourceMap: string } } }>>
    sources: Record<string, { id: number }>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const artifact = out.contracts['src/sessions/SessionKeyManager.sol']!['SessionKeyManager']!.evm.deployedBytecode
  const ids = new Map<number, { path: string; text: string }>()
  for (const [path, { id }] of Object.entries(out.sources)) {
    const text = sources[path]?.content ?? (() => {
      try {
        return readFileSync(require.resolve(path, { paths: [contractsDir] }), 'utf8')
      } catch {
        return ''
      }
    })()
    ids.set(id, { path, text })
  }
  return { map: artifact.sourceMap, bytecode: artifact.object, sources: ids }
}

/** pc → [source offset, file id] of the instruction there. */
function pcToSource(bytecode: string, map: string): Map<number, [number, number]> {
  const entries = map.split(';')
  const result = new Map<number, [number, number]>()
  let s = 0
  let f = 0
  let index = 0
  for (let pc = 0; pc < bytecode.length / 2; index++) {
    const fields = (entries[index] ?? '').split(':')
    if (fields[0]) s = Number(fields[0])
    if (fields[2]) f = Number(fields[2])
    result.set(pc, [s, f])
    const op = parseInt(bytecode.slice(pc * 2, pc * 2 + 2), 16)
    pc += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1
  }
  return result
}

/** The innermost `function name` whose body contains `offset` in `text`. */
function functionAt(text: string, offset: number): string {
  let best = '(outside any function)'
  const re = /function\s+(\w+)/g
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > offset) break
    const open = text.indexOf('{', m.index)
    const semicolon = text.indexOf(';', m.index)
    if (open < 0 || (semicolon >= 0 && semicolon < open)) continue
    let depth = 0
    let end = open
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++
      else if (text[end] === '}' && --depth === 0) break
    }
    if (offset >= m.index && offset <= end) best = m[1]!
  }
  return best
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length

const CALLS = new Set(['CALL', 'STATICCALL', 'DELEGATECALL', 'CALLCODE'])

function add(map: Map<string, number>, key: string, gas: number) {
  map.set(key, (map.get(key) ?? 0) + gas)
}

function profile(logs: StructLog[], to: string, manager: string, source: ReturnType<typeof managerSourceMap>) {
  const pcs = pcToSource(source.bytecode, source.map)
  const frames = new Map<string, number>()
  const byFunction = new Map<string, number>()
  const byLine = new Map<string, number>()
  const special = new Map<string, number>()
  const byOpcode = new Map<string, number>()
  const addresses: string[] = [to.toLowerCase()]
  let managerSteps = 0
  let lastFunction = '(entry)'
  let lastLine = '(entry)'
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i]!
    const next = logs[i + 1]
    const address = addresses[step.depth - 1] ?? '?'
    let cost = step.gasCost
    if (CALLS.has(step.op) && next && next.depth > step.depth) {
      // The call's own cost: what the frame lost across it, less what the callee used.
      let j = i + 1
      while (j < logs.length && logs[j]!.depth > step.depth) j++
      const after = logs[j]
      const calleeStart = next.gas
      const calleeEnd = logs[j - 1]!.gas - logs[j - 1]!.gasCost
      cost = after ? step.gas - after.gas - (calleeStart - calleeEnd) : step.gasCost
      const stack = step.stack ?? []
      addresses[step.depth] = `0x${(stack[stack.length - 2] ?? '0').replace(/^0x/, '').padStart(40, '0').slice(-40)}`
    } else if (CALLS.has(step.op)) {
      cost = next ? step.gas - next.gas : step.gasCost // a precompile or a call to an account without code
    }
    add(frames, address, cost)
    if (address !== manager) continue
    managerSteps++
    add(byOpcode, step.op, cost)
    const [offset, file] = pcs.get(step.pc) ?? [-1, -1]
    const src = source.sources.get(file)
    const fn = src ? functionAt(src.text, offset) : '(generated)'
    // Compiler-generated helpers (via-IR: calldata access and slicing checks, ABI decoding, dispatch) carry
    // the contract's own source range: they are charged to the last source line that ran before them.
    if (fn === '(generated)' || fn === '(outside any function)') {
      add(byFunction, `${lastFunction} (helpers)`, cost)
      add(byLine, `${lastLine} (helpers)`, cost)
    } else {
      lastFunction = fn
      lastLine = `${src!.path.replace(/^.*\//, '')}:${lineOf(src!.text, offset)}`
      add(byFunction, fn, cost)
      add(byLine, lastLine, cost)
    }
    if (step.op === 'SLOAD') add(special, `SLOAD (${cost >= 2100 ? 'cold' : 'warm'})`, cost)
    else if (CALLS.has(step.op)) add(special, `${step.op} (with what the callee used, see frames)`, cost)
    else if (step.op === 'KECCAK256') add(special, 'KECCAK256', cost)
    else if (step.op.startsWith('CALLDATA')) add(special, step.op, cost)
    else if (step.op.startsWith('MLOAD') || step.op.startsWith('MSTORE')) add(special, 'MLOAD/MSTORE', cost)
  }
  return { frames, byFunction, byLine, special, byOpcode, managerSteps }
}

const table = (title: string, map: Map<string, number>, limit = 40) => {
  console.log(`\n${title}`)
  const total = [...map.values()].reduce((a, b) => a + b, 0)
  for (const [k, v] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`  ${String(v).padStart(7)}  ${k}`)
  console.log(`  ${String(total).padStart(7)}  (total)`)
}

const source = managerSourceMap()
const devnet = await startDevnet()
try {
  const target = { ...devnet, funderKey: devnet.testKeys[2]!.privateKey }
  const cases = [...(await measureSessionPaths(target)), ...(await measurePolicyPaths(target)), ...(await measureTreePaths(target))]
  const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.rpcUrl) })
  const manager = devnet.contracts.sessionKeyManager.toLowerCase()
  const names = new Map(Object.entries(devnet.contracts).map(([k, v]) => [String(v).toLowerCase(), k]))
  names.set('0x0000000071727de22e5e9d8baf0edac6f37da032', 'EntryPoint v0.7')
  for (const id of caseIds) {
    const c = cases.find((x) => x.id === id)
    if (!c?.transactionHash) throw new Error(`no measured case ${id}; cases: ${cases.map((x) => x.id).join(', ')}`)
    const tx = await client.getTransaction({ hash: c.transactionHash })
    // anvil keeps no struct logs of mined transactions unless started with --steps-tracing: the bundle is
    // replayed by debug_traceCall on the state before its block (Alto sends one bundle per block here).
    const trace = (await client.request({
      method: 'debug_traceCall' as never,
      params: [
        { from: tx.from, to: tx.to, data: tx.input, gas: `0x${tx.gas.toString(16)}` },
        `0x${(tx.blockNumber! - 1n).toString(16)}`,
        { disableStorage: true, disableMemory: true, enableReturnData: false },
      ] as never,
    })) as { gas: number; structLogs: StructLog[] }
    const result = profile(trace.structLogs, tx.to as Hex, manager, source)
    console.log(`\n=== ${id}: gasUsed ${c.gasUsed} (replayed: ${trace.gas}), signature ${c.signatureBytes} B, ${result.managerSteps} manager steps`)
    table('gas by frame (own opcodes and call overheads)', new Map([...result.frames].map(([a, g]) => [names.get(a) ?? a, g])))
    table('SessionKeyManager: gas by function', result.byFunction)
    table('SessionKeyManager: kinds of cost', result.special)
    table('SessionKeyManager: gas by opcode (top 25)', result.byOpcode, 25)
    table('SessionKeyManager: gas by line (top 40)', result.byLine)
  }
} finally {
  await devnet.stop()
}
