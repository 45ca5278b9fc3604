import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createClient, custom, decodeFunctionData, encodeAbiParameters, toFunctionSelector, type Address, type Hex } from 'viem'
import { erc7579ModuleConfigAbi, installedModule, installedModuleType, INSTALLED_MODULE_QUESTIONS, installedModuleContext } from './moduleConfig.ts'
import { assertSafeSession } from '../actions/grantSessions.ts'
import { createSession, permission } from '../sessions/createSession.ts'
import { gasPolicy } from '../policies/gasPolicy.ts'
import { UnsafeSessionError } from '../errors/session.ts'

const account: Address = '0x1111111111111111111111111111111111111111'
const handler: Address = '0x2222222222222222222222222222222222222222'
const manager: Address = '0x3333333333333333333333333333333333333333'
const ping = toFunctionSelector('ping()')
const word = (n: bigint) => encodeAbiParameters([{ type: 'uint256' }], [n])

type Question = { moduleType: bigint; module: Address; context: Hex }

/**
 * A client whose account answers `isModuleInstalled` with `answer(question)`: a hex string, or 'revert'. It
 * records every question; other contracts (the module's isModuleType) revert, as an EOA-like target would.
 */
function accountClient(answer: (q: Question) => Hex | 'revert', options: { code?: Hex; safeModules?: readonly Address[] } = {}) {
  const asked: Question[] = []
  const client = createClient({
    transport: custom({
      async request({ method, params }) {
        if (method === 'eth_chainId') return '0x1'
        if (method === 'eth_getCode') return (params as [Address])[0].toLowerCase() === account ? (options.code ?? '0x6000') : '0x'
        if (method === 'eth_call') {
          const [{ to, data }] = params as [{ to: Address; data: Hex }]
          if (to.toLowerCase() !== account) throw Object.assign(new Error('execution reverted'), { code: 3, data: '0x' })
          // Safe's isModuleEnabled(address): answered only by a Safe (`safeModules` given); others revert.
          if (data.startsWith(toFunctionSelector('isModuleEnabled(address)'))) {
            if (!options.safeModules) throw Object.assign(new Error('execution reverted'), { code: 3, data: '0x' })
            const asked = `0x${data.slice(-40)}`.toLowerCase()
            return word(options.safeModules.some((m) => m.toLowerCase() === asked) ? 1n : 0n)
          }
          const { args } = decodeFunctionData({ abi: erc7579ModuleConfigAbi, data })
          const [moduleType, module, context] = args as [bigint, Address, Hex]
          const q = { moduleType, module, context }
          asked.push(q)
          const reply = answer(q)
          if (reply === 'revert') throw Object.assign(new Error('execution reverted'), { code: 3, data: '0xacfdb444' })
          return reply
        }
        throw new Error(`unexpected ${method}`)
      },
    }),
  })
  return { client, asked }
}

describe('installedModule: the fail-closed installed-module check', () => {
  it("counts one of a Safe's own modules (isModuleEnabled true) as installed, and a revert of that question as no Safe module", async () => {
    const safe = accountClient(() => word(0n), { safeModules: [handler] })
    assert.equal((await installedModule(safe.client, account, handler, ping))?.why, 'safe-module')
    assert.equal(await installedModule(safe.client, account, manager, ping), undefined)
    const notSafe = accountClient(() => word(0n))
    assert.equal(await installedModule(notSafe.client, account, handler, ping), undefined)
  })

  it('asks every question of INSTALLED_MODULE_QUESTIONS with its context (fallback: abi.encode(bytes4), 32 bytes)', async () => {
    const { client, asked } = accountClient(() => word(0n))
    assert.equal(await installedModule(client, account, handler, ping), undefined)
    assert.deepEqual(
      asked.map((q) => [q.moduleType, q.context]),
      INSTALLED_MODULE_QUESTIONS.map((q) => [q.moduleType, installedModuleContext(q.context, ping)]),
    )
    assert.deepEqual([...new Set(asked.map((q) => q.moduleType))], [1n, 2n, 3n, 4n, 5n, 6n, 8n, 9n])
    const fallback = asked.find((q) => q.moduleType === 3n)!
    assert.equal(fallback.context, `${ping}${'0'.repeat(56)}`)
    const hooks = asked.filter((q) => q.moduleType === 4n).map((q) => q.context)
    // Safe7579's forms: its global hook under selector zero, then the hooks of the call's selector and of the
    // account's execute and executeFromExecutor; never an empty context (Safe7579 reverts on it).
    const hook = (type: number, selector: Hex) => encodeAbiParameters([{ type: 'uint8' }, { type: 'bytes4' }], [type, selector])
    assert.deepEqual(hooks, [hook(0, '0x00000000'), hook(1, ping), hook(1, '0xe9ae5c53'), hook(1, '0xd691c964')])
  })

  it('counts a revert of isModuleInstalled as installed (Safe7579 and MSA revert on contexts they cannot read)', async () => {
    const { client } = accountClient((q) => (q.moduleType === 3n ? 'revert' : word(0n)))
    const answer = await installedModule(client, account, handler, ping)
    assert.equal(answer?.moduleType, 3n)
    assert.equal(answer?.why, 'reverted')
    assert.equal(await installedModuleType(client, account, handler, ping), 3n)
  })

  it('counts a malformed answer as installed: not 32 bytes, or a word other than 0 and 1', async () => {
    for (const reply of ['0x', '0x01', word(2n), `${word(0n)}00`] as Hex[]) {
      const { client } = accountClient((q) => (q.moduleType === 9n ? reply : word(0n)))
      const answer = await installedModule(client, account, handler, ping)
      assert.deepEqual([answer?.moduleType, answer?.why], [9n, 'malformed'], reply)
    }
  })

  it('reads a clean true as installed, and asks nothing of an account without code', async () => {
    const { client } = accountClient((q) => (q.moduleType === 2n ? word(1n) : word(0n)))
    assert.deepEqual((await installedModule(client, account, handler, ping))?.why, 'installed')
    const undeployed = accountClient(() => 'revert', { code: '0x' })
    assert.equal(await installedModule(undeployed.client, account, handler, ping), undefined)
    assert.equal(undeployed.asked.length, 0)
  })

  it('refuses at grant time a session naming a contract about which the account reverts', async () => {
    const { client } = accountClient(() => 'revert')
    // Gas bounds evaluated by this (non-deterministic) manager: the default names the deterministic one.
    const session = createSession({ signer: account, validFor: 3600, permissions: [permission({ target: handler, selector: ping })], gas: gasPolicy({ policy: manager }) })
    await assert.rejects(assertSafeSession(client, session, account, manager), (error: unknown) => {
      assert.ok(error instanceof UnsafeSessionError, String(error))
      assert.match(error.message, /reverted when asked isModuleInstalled\(1, …, empty context\).*fail closed/)
      return true
    })
  })
})
