/**
 * `npm test`: starts one devnet (anvil with a code-size limit for third-party accounts + EntryPoint v0.7 +
 * Latchkey contracts + Alto), hands its description
 * to every test file through LATCHKEY_TEST_DEVNET, runs node's test runner over all `*.test.ts` files
 * (unit tests beside the code, integration tests in test/), then stops the devnet.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

// Started without the `latchkey-source` condition (`npx tsx test/run.ts …`), this process would take the
// devnet and the contracts from dist/, possibly stale: it starts itself again with the condition. Imports of
// the workspace's packages are therefore dynamic, below this line.
const sourceConditionActive = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) => flag.includes('latchkey-source'))
if (!sourceConditionActive) {
  const again = spawnSync(process.execPath, ['--conditions=latchkey-source', '--import', 'tsx', import.meta.filename, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(again.status ?? 1)
}
const { startDevnet } = await import('@latchkey/devnet')
const { serializeDevnet } = await import('./fixtures/devnet.ts')
const { THIRD_PARTY_CODE_SIZE_LIMIT } = await import('./fixtures/thirdPartyDeploy.ts')

const root = join(import.meta.dirname, '..')

function findTests(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return []
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return findTests(path)
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : []
  })
}

/**
 * Tests run the workspace's TypeScript sources: the `latchkey-source` export condition resolves @latchkey/*
 * to src/, in the test processes and in every node process they start (signer nodes, the CLI). The built
 * packages are tested as a user installs them by test/packedInstall.test.ts.
 */
function sourceCondition(nodeOptions = ''): string {
  return nodeOptions.includes('latchkey-source') ? nodeOptions : `${nodeOptions} --conditions=latchkey-source`.trim()
}

const only = process.argv.slice(2)
const files = only.length > 0 ? only : [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))].sort()

// Third-party accounts (test/thirdPartyAccounts.test.ts) are above 24 KB; the limit changes no gas figure.
const devnet = await startDevnet({ codeSizeLimit: THIRD_PARTY_CODE_SIZE_LIMIT })
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void devnet.stop().then(() => process.exit(130)))
}
let code = 1
try {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: sourceCondition(process.env.NODE_OPTIONS), LATCHKEY_TEST_DEVNET: serializeDevnet(devnet) },
  })
  code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)))
} finally {
  await devnet.stop()
}
process.exit(code)
