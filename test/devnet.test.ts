/**
 * `latchkey devnet` as a user runs it: a separate process that prints its description, listens on
 * loopback only, and on SIGINT, SIGTERM or SIGHUP, or when the process that started it dies (`npx` stopped
 * alone), leaves no process and no open port behind.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { createPublicClient, http, type Address } from 'viem'
import { entryPoint07Abi, entryPoint07Address } from 'viem/account-abstraction'
import { isPortOpen, LOOPBACK, startDevnet } from '@latchkey/devnet'
import { groupIsEmpty, processIsGone, spawnInGroup, until, type Started } from './fixtures/processes.ts'

const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'bin', 'latchkey.js')

/** Runs the CLI in its own process group, as a terminal would (through `npx latchkey` with `viaNpx`). */
function runCli(args: string[], { viaNpx = false } = {}): Started {
  const root = join(import.meta.dirname, '..')
  return viaNpx ? spawnInGroup('npx', ['--no-install', 'latchkey', ...args], { cwd: root }) : spawnInGroup(process.execPath, [cli, ...args])
}

/** Local addresses of every listening TCP socket on `port`, read from the kernel's tables. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) => {
    let text = ''
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      return []
    }
    return text
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => cols[1]!.split(':')[0]!)
  })
}

const LOOPBACK_V4_HEX = '0100007F'

describe('latchkey devnet (command)', () => {
  it('prints its description as JSON, serves the v0.7 EntryPoint on loopback only, and stops cleanly on SIGINT', async () => {
    const run = runCli(['devnet', '--json'])
    try {
      const line = await until('the JSON line', () => run.stdout().split('\n').find((l) => l.startsWith('{')))
      const info = JSON.parse(line) as {
        chainId: number
        rpcUrl: string
        bundlerUrl: string
        entryPoint: Address
        contracts: Record<string, Address>
        testKeys: { address: Address; privateKey: string }[]
      }
      assert.equal(info.chainId, 31_337)
      assert.equal(info.entryPoint, entryPoint07Address)
      assert.match(info.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.match(info.bundlerUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
      for (const name of ['accountImplementation', 'accountFactory', 'ownerValidator', 'demoToken', 'demoCounter']) {
        assert.match(info.contracts[name] ?? '', /^0x[0-9a-fA-F]{40}$/, name)
      }
      assert.ok(info.testKeys.length >= 5 && info.testKeys.every((k) => /^0x[0-9a-f]{64}$/.test(k.privateKey)))

      const response = await fetch(info.bundlerUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_supportedEntryPoints', params: [] }),
      })
      assert.deepEqual(((await response.json()) as { result: string[] }).result, [entryPoint07Address])

      const client = createPublicClient({ transport: http(info.rpcUrl) })
      assert.ok(((await client.getCode({ address: entryPoint07Address })) ?? '0x').length > 2, 'EntryPoint deployed')
      const deposit = await client.readContract({
        address: entryPoint07Address,
        abi: entryPoint07Abi,
        functionName: 'getDepositInfo',
        args: [info.contracts.accountFactory!],
      })
      assert.equal(deposit.staked, true, 'the factory is staked')

      const ports = [info.rpcUrl, info.bundlerUrl].map((u) => Number(new URL(u).port))
      for (const port of ports) {
        const addresses = listeningAddresses(port)
        assert.ok(addresses.length > 0, `something listens on ${port}`)
        assert.deepEqual([...new Set(addresses)], [LOOPBACK_V4_HEX], `port ${port} listens on 127.0.0.1 only`)
      }

      process.kill(run.child.pid!, 'SIGINT')
      assert.equal(await run.exited, 0)
      await until('the process group to empty', () => (groupIsEmpty(run.child.pid!) ? true : undefined), 15_000)
      for (const port of ports) assert.equal(await isPortOpen(port), false, `port ${port} is free`)
    } finally {
      if (!groupIsEmpty(run.child.pid!)) process.kill(-run.child.pid!, 'SIGKILL')
    }
  })

  it('prints the same fields for people without --json, and stops on SIGTERM', async () => {
    const run = runCli(['devnet'])
    try {
      await until('the description', () => (run.stdout().includes('Ctrl-C to stop') ? true : undefined))
      await until('the key list', () => (/0x[0-9a-f]{64}/.test(run.stdout()) ? true : undefined))
      for (const label of ['chain id', 'rpc', 'bundler', 'entry point', 'accountFactory', 'funded test keys']) {
        assert.ok(run.stdout().includes(label), label)
      }
      process.kill(run.child.pid!, 'SIGTERM')
      assert.equal(await run.exited, 0)
      await until('the process group to empty', () => (groupIsEmpty(run.child.pid!) ? true : undefined), 15_000)
    } finally {
      if (!groupIsEmpty(run.child.pid!)) process.kill(-run.child.pid!, 'SIGKILL')
    }
  })

  for (const [how, stop] of [
    ['SIGTERM to npx alone (the launcher may die without passing it on)', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['SIGHUP to npx alone (a closed terminal)', (pid: number) => process.kill(pid, 'SIGHUP')],
    ['SIGKILL to npx alone (its parent dies outright)', (pid: number) => process.kill(pid, 'SIGKILL')],
  ] as const) {
    it(`run as \`npx latchkey devnet --json\`, stops everything it started on ${how}`, async () => {
      const run = runCli(['devnet', '--json'], { viaNpx: true })
      try {
        const line = await until('the JSON line', () => run.stdout().split('\n').find((l) => l.startsWith('{')))
        const info = JSON.parse(line) as { rpcUrl: string; bundlerUrl: string; pids: { anvil: number; bundler: number } }
        const ports = [info.rpcUrl, info.bundlerUrl].map((u) => Number(new URL(u).port))
        stop(run.child.pid!)
        await until('anvil and Alto to exit', () => (processIsGone(info.pids.anvil) && processIsGone(info.pids.bundler) ? true : undefined), 15_000)
        await until('the process group to empty', () => (groupIsEmpty(run.child.pid!) ? true : undefined), 15_000)
        for (const port of ports) assert.equal(await isPortOpen(port), false, `port ${port} is free`)
      } finally {
        if (!groupIsEmpty(run.child.pid!)) process.kill(-run.child.pid!, 'SIGKILL')
      }
    })
  }

  it('fails at once with a clear error when a port is taken, leaving nothing running', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
    const { port } = server.address() as { port: number }
    try {
      const run = runCli(['devnet', '--anvil-port', String(port)])
      const started = Date.now()
      assert.equal(await run.exited, 1)
      assert.ok(Date.now() - started < 20_000, 'no hang')
      assert.match(run.stderr(), new RegExp(`anvil: port ${port} on 127\\.0\\.0\\.1 is already in use`))
      await until('the process group to empty', () => (groupIsEmpty(run.child.pid!) ? true : undefined), 5_000)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('rejects a port that is not a number', async () => {
    const run = runCli(['devnet', '--bundler-port', 'eighty'])
    assert.notEqual(await run.exited, 0)
    assert.match(run.stderr(), /"eighty" is not a TCP port/)
  })
})

describe('startDevnet (function)', () => {
  it('returns the same fields and its stop() ends anvil and Alto', async () => {
    const devnet = await startDevnet()
    const { anvil, bundler } = devnet.pids
    assert.ok(!processIsGone(anvil) && !processIsGone(bundler))
    await devnet.stop()
    assert.ok(processIsGone(anvil), 'anvil exited')
    assert.ok(processIsGone(bundler), 'Alto exited')
    assert.equal(await isPortOpen(Number(new URL(devnet.rpcUrl).port)), false)
    assert.equal(await isPortOpen(Number(new URL(devnet.bundlerUrl).port)), false)
    await devnet.stop() // a second stop is harmless
  })
})
