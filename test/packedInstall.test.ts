/**
 * Latchkey as a user installs it: every package packed with `npm pack` and installed from the tarballs into
 * an empty project (test/fixtures/packedProject.ts), then, with no TypeScript loader and nothing of the
 * workspace in reach: plain `node` drives a session end to end; `npx latchkey devnet --json` starts and
 * stops cleanly; and the SDK, bundled for the browser, sends a session userOp from a page in Chromium.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { lstatSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createPublicClient, http, type Address } from 'viem'
import { launchChromium } from './fixtures/chromium.ts'
import { demoCounterAbi } from '@latchkey/contracts'
import { isPortOpen } from '@latchkey/devnet'
import { installPackedProject, userEnvironment } from './fixtures/packedProject.ts'
import { firstJsonLine, groupIsEmpty, killGroup, processIsGone, spawnInGroup, until } from './fixtures/processes.ts'


describe('the packed packages, installed into an empty project', { timeout: 900_000 }, () => {
  let project = ''
  before(() => {
    project = installPackedProject()
  })
  after(() => {
    if (project) rmSync(project, { recursive: true, force: true })
  })

  it('hold built JavaScript, types and source maps only: no TypeScript source, test or fixture', () => {
    for (const name of ['@latchkey/sdk', '@latchkey/devnet', '@latchkey/contracts', '@latchkey/node', '@latchkey/automation', 'latchkey']) {
      const files = execFileSync('find', [join(project, 'node_modules', name), '-type', 'f'], { encoding: 'utf8' }).trim().split('\n')
      const stray = files.filter((f) => (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) || /\.test\.|fixtures|tsbuildinfo/.test(f))
      assert.deepEqual(stray, [], `${name} ships only what a user needs`)
      assert.ok(files.some((f) => f.endsWith('.d.ts')) || name === 'latchkey', `${name} ships types`)
    }
  })

  it('plain node imports @latchkey/sdk, starts the installed devnet, grants a session and sends a session userOp', () => {
    const output = execFileSync(process.execPath, ['nodeSession.mjs'], { cwd: project, env: userEnvironment(), encoding: 'utf8', timeout: 180_000 })
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { userOpHash: string; success: boolean; counts: string }
    assert.match(result.userOpHash, /^0x[0-9a-f]{64}$/)
    assert.equal(result.success, true)
    assert.equal(result.counts, '1', 'the session call counted once')
  })

  it('plain node imports @latchkey/automation: the runner, its job spec reader and the agent MCP server', () => {
    const script = "const m = await import('@latchkey/automation'); console.log(JSON.stringify([typeof m.createAutomation, typeof m.parseJobSpec, typeof m.sessionMcpServer, typeof m.startWorkerProcess]))"
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: userEnvironment(), encoding: 'utf8', timeout: 60_000 })
    assert.deepEqual(JSON.parse(output.trim()), ['function', 'function', 'function', 'function'])
  })

  it('plain node imports @latchkey/automation/client (the API client alone) and the server from the main entry', () => {
    const script =
      "const c = await import('@latchkey/automation/client'); const m = await import('@latchkey/automation'); console.log(JSON.stringify([typeof c.createAutomationClient, typeof c.sealSessionKey, typeof c.AutomationApiError, typeof m.startAutomationServer]))"
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: userEnvironment(), encoding: 'utf8', timeout: 60_000 })
    assert.deepEqual(JSON.parse(output.trim()), ['function', 'function', 'function', 'function'])
  })

  it('`npx latchkey --version` prints the installed version; a bad input is one line and a non-zero exit', () => {
    const npx = (args: string[]) => spawnSync('npx', ['--no-install', 'latchkey', ...args], { cwd: project, env: userEnvironment(), encoding: 'utf8' })
    const version = npx(['--version'])
    assert.equal(version.status, 0, version.stderr)
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(project, 'node_modules', 'latchkey', 'package.json'), 'utf8')) as { version: string }).version)
    const refused = npx(['network', 'up', '--nodes', '1', '--threshold', '2'])
    assert.notEqual(refused.status, 0)
    assert.match(refused.stderr.trim(), /^latchkey: [^\n]*threshold[^\n]*$/)
  })

  it('`npx latchkey devnet --json` prints the devnet and stops everything on SIGTERM', async () => {
    const run = spawnInGroup('npx', ['--no-install', 'latchkey', 'devnet', '--json'], { cwd: project, env: userEnvironment() })
    try {
      const info = await firstJsonLine<{ rpcUrl: string; bundlerUrl: string; pids: { anvil: number; bundler: number } }>(run)
      assert.equal(await createPublicClient({ transport: http(info.rpcUrl) }).getChainId(), 31_337)
      const ports = [info.rpcUrl, info.bundlerUrl].map((u) => Number(new URL(u).port))
      process.kill(run.child.pid!, 'SIGTERM')
      await until('anvil and Alto to exit', () => (processIsGone(info.pids.anvil) && processIsGone(info.pids.bundler) ? true : undefined), 15_000)
      await until('the process group to empty', () => (groupIsEmpty(run.child.pid!) ? true : undefined), 15_000)
      for (const port of ports) assert.equal(await isPortOpen(port), false, `port ${port} is free`)
    } finally {
      killGroup(run)
    }
  })

  it('bundled for the browser, the SDK sends a session userOp from a page in Chromium', async (t) => {
    const browser = await launchChromium(t)
    if (!browser) return
    const server = spawnInGroup(process.execPath, ['servePage.mjs'], { cwd: project, env: userEnvironment() })
    try {
      const served = await firstJsonLine<{ url: string; rpcUrl: string; demoCounter: Address; owner: Address }>(server)
      const page = await browser.newPage()
      await page.goto(served.url)
      await page.waitForSelector('body[data-result], body[data-error]', { state: 'attached', timeout: 120_000 })
      const outcome = { result: await page.getAttribute('body', 'data-result'), error: await page.getAttribute('body', 'data-error') }
      assert.equal(outcome.error, null, `the page failed: ${outcome.error}`)
      const result = JSON.parse(outcome.result!) as { success: boolean; sender: Address }
      assert.equal(result.success, true)
      assert.equal(result.sender, served.owner, 'the page acted as the account that granted the session')
      const counts = await createPublicClient({ transport: http(served.rpcUrl) }).readContract({ address: served.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [served.owner] })
      assert.equal(counts, 1n, 'the chain counted the page’s call')
    } finally {
      await browser.close()
      if (server.child.exitCode === null) process.kill(server.child.pid!, 'SIGTERM')
      await until('the page server to stop its devnet', () => (groupIsEmpty(server.child.pid!) ? true : undefined), 15_000).catch(() => killGroup(server))
    }
  })

  it('the tarballs stand alone: every installed package is a copy in the project, not a link to the workspace', () => {
    for (const name of ['@latchkey/sdk', '@latchkey/devnet', '@latchkey/contracts', '@latchkey/node', '@latchkey/automation', 'latchkey']) {
      const installed = join(project, 'node_modules', name)
      assert.equal(lstatSync(installed).isSymbolicLink(), false, name)
      assert.ok(realpathSync(installed).startsWith(realpathSync(project)), name)
    }
  })
})
