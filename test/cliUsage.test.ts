/**
 * The `latchkey` command as a user meets it, each run its own process: `--version` is the package's; every
 * bad input is one line on stderr (`latchkey: …`, no stack) and a non-zero exit, with nothing started; and
 * `latchkey sessions describe | list | revoke` against the shared devnet show a granted session as active,
 * revoke it with the owner key read from an environment variable, then show it revoked.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { zeroHash, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { getSessionStatus, grantSessions, sendUserOperationAndWait, serializeSessionGrant, toLatchkeyAccount, type SessionGrant } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { counterSession, countData } from './fixtures/sessions.ts'
import { cliVersion } from '../packages/cli/src/support/version.ts'
import { assertOneLineRefusal, latchkey, type Run } from './fixtures/latchkeyCli.ts'

const root = join(import.meta.dirname, '..')

const scratch = mkdtempSync(join(tmpdir(), 'latchkey-cli-test-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
const ownerKeyLike = `0x${'ab'.repeat(32)}`

describe('latchkey --version', () => {
  const { version } = JSON.parse(readFileSync(join(root, 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }

  it("prints packages/cli/package.json's version", async () => {
    const run = await latchkey(['--version'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout, `${version}\n`)
    assert.equal(run.stderr, '')
  })

  it('finds the same package.json from the build (packages/cli/dist/) as from the sources', () => {
    const builtModule = pathToFileURL(join(root, 'packages', 'cli', 'dist', 'support', 'version.js')).href
    assert.equal(cliVersion(builtModule), version)
  })

  it('prints the same through npx --no-install latchkey', async () => {
    const run = await latchkey(['--version'], { viaNpx: true })
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout.trim(), version)
  })
})

describe('bad input: one line on stderr, a non-zero exit, no stack trace', { concurrency: 4 }, () => {
  const notJson = join(scratch, 'not-json.json')
  const wrongFormat = join(scratch, 'wrong-format.json')
  writeFileSync(notJson, 'this is not JSON')
  writeFileSync(wrongFormat, JSON.stringify({ format: 'latchkey.session.v2', chainId: 'one' }))
  const address = '0x0000000000000000000000000000000000000001'
  const unreachable = 'http://127.0.0.1:59999'
  const revokeBase = ['sessions', 'revoke', '--factory', address, '--rpc-url', unreachable, '--bundler-url', unreachable]
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ['no command', [], /missing command: devnet, node, network, sessions, automation, jobs, wallet, demo/],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown subcommand, with a suggestion on the same line', ['sessions', 'lst'], /unknown command 'lst' \(Did you mean list\?\)/],
    ['a group without its subcommand', ['sessions'], /missing command after 'latchkey sessions': list, describe, revoke/],
    ['an unknown option', ['--frobnicate'], /unknown option '--frobnicate'/],
    ['node start without its options', ['node', 'start'], /give --identifier and --data-dir/],
    ['node start with an identifier out of range', ['node', 'start', '--identifier', '256', '--data-dir', scratch], /"256" is not a FROST identifier \(1–255\)/],
    ['node start with a bad port', ['node', 'start', '--identifier', '1', '--data-dir', scratch, '--port', '70000'], /"70000" is not a TCP port/],
    ['node start with a bad dkg client', ['node', 'start', '--dkg-clients', '0x12,0x34'], /"0x12" is not an address/],
    ['node start with a missing config file', ['node', 'start', '--config', join(scratch, 'absent.json')], /--config <file>.*cannot read it \(ENOENT\)/],
    ['network up with a threshold of 1', ['network', 'up', '--threshold', '1'], /FROST threshold is at least 2/],
    ['network up with a non-number of nodes', ['network', 'up', '--nodes', 'three'], /"three" is not a number of nodes/],
    ['devnet with a bad port', ['devnet', '--anvil-port', '0x50'], /"0x50" is not a TCP port/],
    ['devnet with a bad code-size limit', ['devnet', '--code-size-limit', '-1'], /is not a positive number of bytes/],
    ['sessions list without --rpc-url', ['sessions', 'list', '--account', address], /required option '--rpc-url <url>' not specified/],
    ['sessions list with a URL that is not one', ['sessions', 'list', '--rpc-url', 'localhost:8545', '--account', address], /not an http\(s\) URL|not a URL/],
    ['sessions list with a bad address', ['sessions', 'list', '--rpc-url', unreachable, '--account', '0x1234'], /"0x1234" is not an address/],
    ['sessions list without account or grants', ['sessions', 'list', '--rpc-url', unreachable], /give --account, or --grant files/],
    ['sessions list against an unreachable RPC', ['sessions', 'list', '--rpc-url', unreachable, '--account', address], /cannot reach the RPC at http:\/\/127\.0\.0\.1:59999: connect ECONNREFUSED/],
    ['sessions describe with a missing grant file', ['sessions', 'describe', '--grant', join(scratch, 'absent.json')], /cannot read the grant file .*absent\.json: no such file/],
    ['sessions describe with a file that is not JSON', ['sessions', 'describe', '--grant', notJson], /not-json\.json: Not a usable Latchkey session: not JSON/],
    ['sessions describe with a grant in a wrong shape', ['sessions', 'describe', '--grant', wrongFormat], /wrong-format\.json: Not a usable Latchkey session: chainId is not an integer/],
    ['sessions revoke with a bad digest', [...revokeBase, '--owner-key-env', 'K', '--digest', '0x12'], /"0x12" is not a session digest/],
    ['sessions revoke with nothing to revoke', [...revokeBase, '--owner-key-env', 'K'], /say what to revoke/],
    ['sessions revoke with --all and --digest', [...revokeBase, '--owner-key-env', 'K', '--all', '--digest', zeroHash], /--all revokes every session: give it without --digest/],
    ['sessions revoke with the owner key variable unset', [...revokeBase, '--owner-key-env', 'LATCHKEY_TEST_UNSET_KEY', '--all', '--account', address], /LATCHKEY_TEST_UNSET_KEY \(--owner-key-env\) is not set/],
    ['sessions revoke with a variable that holds no key', [...revokeBase, '--owner-key-env', 'LATCHKEY_TEST_KEY', '--all', '--account', address], /LATCHKEY_TEST_KEY does not hold a private key/, { LATCHKEY_TEST_KEY: 'hunter2' }],
    ['sessions revoke against an unreachable RPC', [...revokeBase, '--owner-key-env', 'LATCHKEY_TEST_KEY', '--all', '--account', address], /cannot reach the RPC/, { LATCHKEY_TEST_KEY: ownerKeyLike }],
  ]
  for (const [name, args, pattern, env] of cases) {
    it(name, async () => assertOneLineRefusal(await latchkey(args, env ? { env } : {}), pattern))
  }

  it('sessions revoke refuses a private key given in place of the variable name, and never repeats it', async () => {
    const run = await latchkey([...revokeBase, '--all', '--account', address, '--owner-key-env', ownerKeyLike])
    assertOneLineRefusal(run, /takes the NAME of an environment variable/)
    assert.ok(!run.stderr.includes('ab'.repeat(32)), 'the key is not echoed')
  })

  it('network up with a threshold above the node count is refused before any node starts', async () => {
    const dir = join(scratch, 'network')
    const started = Date.now()
    const run = await latchkey(['network', 'up', '--nodes', '1', '--threshold', '2', '--dir', dir])
    assertOneLineRefusal(run, /--threshold 2 is more than --nodes 1/)
    assert.equal(run.stdout, '')
    assert.equal(existsSync(dir), false, 'no node data directory was made')
    assert.ok(Date.now() - started < 30_000)
  })
})

/** A deployed, funded LatchkeyAccount whose owner key the test keeps (the CLI gets it through the environment). */
async function ownedAccount(devnet: DevnetFixture) {
  const ownerKey = generatePrivateKey()
  const account = await toLatchkeyAccount({ client: devnet.publicClient, owner: privateKeyToAccount(ownerKey), factory: devnet.contracts.accountFactory })
  await devnet.fund(account.address, '1')
  await sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: countData }] })
  return { ownerKey, account }
}

/** Grants one counter session by root (its value limit has no total: describeSession warns) and writes the grant file. */
async function grantToFile(devnet: DevnetFixture, account: Awaited<ReturnType<typeof ownedAccount>>['account'], name: string) {
  const { session } = counterSession(devnet)
  const { grants, root } = await grantSessions(devnet.bundlerClient, { account, manager: devnet.contracts.sessionKeyManager, sessions: [session] })
  const path = join(scratch, name)
  writeFileSync(path, serializeSessionGrant(grants[0]!))
  return { grant: grants[0]!, root, path }
}

describe('latchkey sessions against the devnet', () => {
  let devnet: DevnetFixture
  let owner: Awaited<ReturnType<typeof ownedAccount>>
  let granted: { grant: SessionGrant; root: Hex; path: string }
  const chainArgs = () => ['--rpc-url', devnet.rpcUrl]
  const revokeArgs = () => ['--factory', devnet.contracts.accountFactory, '--rpc-url', devnet.rpcUrl, '--bundler-url', devnet.bundlerUrl]
  const json = (run: Run) => {
    assert.equal(run.code, 0, run.stderr)
    return JSON.parse(run.stdout) as Record<string, any>
  }
  const status = async (grant: SessionGrant) => (await getSessionStatus(devnet.publicClient, [grant]))[0]

  before(async () => {
    devnet = await useDevnet()
    owner = await ownedAccount(devnet)
    granted = await grantToFile(devnet, owner.account, 'counter-grant.json')
  })

  it('sessions describe shows what the session allows, its WARNING lines, and that it is active on chain', async () => {
    const text = await latchkey(['sessions', 'describe', '--grant', granted.path, ...chainArgs()])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`session   ${granted.grant.digest}`))
    assert.match(text.stdout, /^WARNING: .*0\.001 ETH per call with no total/m)
    assert.match(text.stdout, /^ {2}status {4}active$/m)
    assert.match(text.stdout, /^ {2}grant {5}granted \(next use: root\)$/m)

    const described = json(await latchkey(['sessions', 'describe', '--grant', granted.path, ...chainArgs(), '--json']))
    assert.equal(described.digest, granted.grant.digest)
    assert.ok((described.warnings as string[]).length > 0)
    assert.deepEqual([described.onChain.status, described.onChain.grant, described.onChain.managerInstalled], ['active', 'granted', true])
  })

  it('sessions describe without --rpc-url describes the grant alone', async () => {
    const described = json(await latchkey(['sessions', 'describe', '--grant', granted.path, '--json']))
    assert.equal(described.onChain, undefined)
    assert.equal(described.account, owner.account.address)
  })

  it("sessions list shows the account's root and epoch and the session as active", async () => {
    const listed = json(await latchkey(['sessions', 'list', '--grant', granted.path, ...chainArgs(), '--json']))
    assert.equal(listed.account, owner.account.address)
    assert.deepEqual([listed.managerInstalled, listed.merkleRoot, listed.epoch], [true, granted.root, '0'])
    assert.deepEqual(listed.sessions.map((s: any) => [s.digest, s.onChain.status]), [[granted.grant.digest, 'active']])

    const text = await latchkey(['sessions', 'list', '--account', owner.account.address, '--grant', granted.path, ...chainArgs()])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^ {2}active +${granted.grant.digest}`, 'm'))
  })

  it('sessions list refuses a grant of another account, and one for another chain', async () => {
    assertOneLineRefusal(await latchkey(['sessions', 'list', '--account', devnet.contracts.demoCounter, '--grant', granted.path, ...chainArgs()]), /is a grant for the account/)
    const otherChain = join(scratch, 'other-chain.json')
    writeFileSync(otherChain, serializeSessionGrant({ ...granted.grant, chainId: 1 }))
    assertOneLineRefusal(await latchkey(['sessions', 'describe', '--grant', otherChain, ...chainArgs()]), /is a grant for chain 1, but the RPC is on chain/)
  })

  it('sessions revoke refuses an owner key of another account, in one line, and sends nothing', async () => {
    const run = await latchkey(['sessions', 'revoke', '--grant', granted.path, '--owner-key-env', 'OWNER_KEY', ...revokeArgs()], { env: { OWNER_KEY: generatePrivateKey() } })
    assertOneLineRefusal(run, /gives the account 0x[0-9a-fA-F]{40}, not /)
    assert.equal(await status(granted.grant), 'active')
  })

  it('sessions revoke revokes the session in one owner userOp; list then shows it revoked', async () => {
    const run = await latchkey(['sessions', 'revoke', '--grant', granted.path, '--owner-key-env', 'OWNER_KEY', ...revokeArgs(), '--json'], { env: { OWNER_KEY: owner.ownerKey } })
    const revoked = json(run)
    assert.ok(!run.stdout.includes(owner.ownerKey.slice(2)) && !run.stderr.includes(owner.ownerKey.slice(2)), 'the key is never printed')
    assert.match(revoked.userOpHash, /^0x[0-9a-f]{64}$/)
    assert.deepEqual(revoked.sessions.map((s: any) => s.status), ['revoked'])
    assert.equal(await status(granted.grant), 'revoked')

    const listed = json(await latchkey(['sessions', 'list', '--grant', granted.path, ...chainArgs(), '--json']))
    assert.deepEqual(listed.sessions.map((s: any) => s.onChain.status), ['revoked'])
    const described = await latchkey(['sessions', 'describe', '--grant', granted.path, ...chainArgs()])
    assert.match(described.stdout, /^ {2}status {4}revoked$/m)
  })

  it('sessions revoke --all clears the root and moves the epoch on', async () => {
    const second = await grantToFile(devnet, owner.account, 'second-grant.json')
    assert.equal(await status(second.grant), 'active')
    const run = await latchkey(['sessions', 'revoke', '--all', '--account', owner.account.address, '--owner-key-env', 'OWNER_KEY', ...revokeArgs()], { env: { OWNER_KEY: owner.ownerKey } })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^revoked every session of /)
    const listed = json(await latchkey(['sessions', 'list', '--grant', second.path, ...chainArgs(), '--json']))
    assert.deepEqual([listed.merkleRoot, listed.epoch], [zeroHash, '1'])
    assert.deepEqual(listed.sessions.map((s: any) => s.onChain.status), ['not-granted'])
  })
})
