/**
 * SessionKeyManager's common-use path (`_validateCommonUse`: root or recorded mode, an ECDSA signer, a single
 * call; every other op goes to the general path) gives the same answer as the general path: it accepts what
 * the general path accepts, with the same validation data, and refuses what it refuses, with the same typed
 * error. The same ops, built for
 * the manager and for a test build with that path switched off (GeneralPathSessionKeyManager), get the same
 * answer from each: `validateUserOp` asked directly (eth_call from the account), so refusals are compared by
 * the manager's typed error and its arguments. Where the common path applies, it is also shown to run (it
 * costs less than the general path on the same op).
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { concat, createWalletClient, encodeAbiParameters, encodeFunctionData, encodePacked, erc20Abi, http, keccak256, pad, parseEther, parseGwei, slice, stringToHex, toHex, zeroAddress, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { getUserOperationHash, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, sessionKeyManagerAbi } from '@latchkey/contracts'
import { generalPathSessionKeyManagerAbi, generalPathSessionKeyManagerBytecode } from '@latchkey/contracts/testing'
import { validatorNonceKey, callPolicy, createSession, DEFAULT_SESSION_GAS_BOUNDS, gasPolicy, createSessionApproval, eq, grantSessions, lte, permission, revokeSessions, type Session, type SessionGrant } from '@latchkey/sdk'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { countData, deployedOwnerAccount, refuseData } from './fixtures/sessions.ts'
import { managerVerdict, sessionOpByHand, submitAsOwnBundler, type ManagerVerdict } from './fixtures/ownBundler.ts'

let devnet: DevnetFixture
let owner: Awaited<ReturnType<typeof deployedOwnerAccount>>
const key = privateKeyToAccount(generatePrivateKey())
const stranger = privateKeyToAccount(generatePrivateKey())
const recipient = '0x00000000000000000000000000000000000000b0' as const

/** What each manager granted: per session name, its root grant and (when recorded) its approval grant. */
type Granted = { manager: Address; root: Record<string, SessionGrant>; recorded: Record<string, SessionGrant> }
let fast: Granted
let general: Granted

const executeAbi = [{ type: 'function', name: 'execute', stateMutability: 'payable', inputs: [{ type: 'bytes32', name: 'mode' }, { type: 'bytes', name: 'executionCalldata' }], outputs: [] }] as const
const modeWord = (callType: number, execType: number) => pad(toHex((callType << 8) | execType, { size: 2 }), { dir: 'right', size: 32 })
/** `execute(mode, target ‖ value ‖ data)` with any call type and exec type. */
const single = (to: Address, data: Hex, value = 0n, callType = 0, execType = 0) =>
  encodeFunctionData({ abi: executeAbi, functionName: 'execute', args: [modeWord(callType, execType), encodePacked(['address', 'uint256', 'bytes'], [to, value, data])] })
const batchOfOne = (to: Address, data: Hex) =>
  encodeFunctionData({
    abi: executeAbi,
    functionName: 'execute',
    args: [modeWord(1, 0), encodeAbiParameters([{ type: 'tuple[]', components: [{ type: 'address' }, { type: 'uint256' }, { type: 'bytes' }] }], [[[to, 0n, data]]])],
  })
const transfer = (to: Address, amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] })

/** The sessions, built for `manager` (the built-in rules name the manager that evaluates them). */
function sessionsFor(manager: Address): Record<string, Session> {
  const count = permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count', valueLimit: parseEther('0.001') })
  const tokenRules = callPolicy({ address: devnet.contracts.demoToken, abi: erc20Abi, functionName: 'transfer', args: [eq(recipient), lte(100n)], policy: manager })
  const salt = (name: string) => keccak256(stringToHex(`commonUse/${name}`))
  const base = { signer: key.address, validAfter: 1_000, validUntil: 4_000_000_000 }
  return {
    counter: createSession({ ...base, salt: salt('counter'), permissions: [count], gas: 'unbounded' }),
    twoPermissions: createSession({ ...base, salt: salt('two'), permissions: [count, tokenRules], gas: 'unbounded' }),
    defaultGas: createSession({ ...base, salt: salt('gas'), permissions: [count], gas: gasPolicy({ ...DEFAULT_SESSION_GAS_BOUNDS, policy: manager }) }),
    lowFeeBound: createSession({ ...base, salt: salt('lowFee'), permissions: [count], gas: gasPolicy({ ...DEFAULT_SESSION_GAS_BOUNDS, maxFeePerGas: parseGwei('2'), policy: manager }) }),
    gasModule: createSession({ ...base, salt: salt('gasModule'), permissions: [count], gas: gasPolicy({ ...DEFAULT_SESSION_GAS_BOUNDS, policy: devnet.contracts.gasPolicy }) }),
    anyTarget: createSession({ ...base, salt: salt('anyTarget'), permissions: [permission({ target: 'any', valueLimit: parseEther('0.001') })], gas: 'unbounded' }),
    moduleRules: createSession({ ...base, salt: salt('moduleRules'), permissions: [count, { ...tokenRules, policy: devnet.contracts.callPolicy }], gas: 'unbounded' }),
    noWindow: createSession({ signer: key.address, validAfter: 0, validUntil: 0, salt: salt('noWindow'), permissions: [count], gas: 'unbounded' }),
    revoked: createSession({ ...base, salt: salt('revoked'), permissions: [count], gas: 'unbounded' }),
  }
}

async function deployGeneralPathManager(): Promise<Address> {
  const deployer = privateKeyToAccount(generatePrivateKey())
  await devnet.fund(deployer.address, '1')
  const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: deployer })
  const hash = await wallet.deployContract({ abi: generalPathSessionKeyManagerAbi, bytecode: generalPathSessionKeyManagerBytecode })
  return (await devnet.publicClient.waitForTransactionReceipt({ hash })).contractAddress!
}

const declaredTime = 2_000

/** Grants every session by root on `manager`, records each by a first use, then revokes the one named so. */
async function grantAll(manager: Address): Promise<Granted> {
  const sessions = sessionsFor(manager)
  const names = Object.keys(sessions)
  const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager, sessions: names.map((n) => sessions[n]!) })
  const root = Object.fromEntries(names.map((n, i) => [n, grants[i]!]))
  const recorded: Record<string, SessionGrant> = {}
  for (const name of names) {
    const grant = await createSessionApproval({ account: owner, manager, session: sessions[name]! })
    // Each session's first use records it: a call its permission 0 allows.
    const callData = name === 'anyTarget' ? single(recipient, '0x', 1n) : single(devnet.contracts.demoCounter, countData)
    const op = await sessionOpByHand(devnet, { grant, signer: key, callData, permissionIndices: [0], declaredTime, mode: 'enable', gas: { maxFeePerGas: parseGwei('2') } })
    const outcome = await submitAsOwnBundler(devnet, op)
    assert.deepEqual(outcome.included && outcome.success, true, `recording ${name}`)
    recorded[name] = grant
  }
  await revokeSessions(devnet.bundlerClient, { account: owner, manager, sessions: [root.revoked!.digest] })
  return { manager, root, recorded }
}

before(async () => {
  devnet = await useDevnet()
  owner = await deployedOwnerAccount(devnet)
  fast = await grantAll(devnet.contracts.sessionKeyManager)
  general = await grantAll(await deployGeneralPathManager())
})

type Case = {
  session: string
  /** The account's callData, or how to make it for the manager it is sent to. */
  callData: Hex | ((manager: Address) => Hex)
  indices?: number[]
  signer?: PrivateKeyAccount
  /** Changes the signed op (after signing: the signature no longer matches unless the change is outside it). */
  after?: (op: UserOperation<'0.7'>) => UserOperation<'0.7'>
}

async function opFor(granted: Granted, mode: 'root' | 'recorded', c: Case): Promise<UserOperation<'0.7'>> {
  const grant = (mode === 'root' ? granted.root : granted.recorded)[c.session]!
  const callData = typeof c.callData === 'function' ? c.callData(granted.manager) : c.callData
  // One nonce key for both (the manager is asked directly, not through the account): the same userOpHash, so
  // the same ECDSA bytes for a session that does not name its manager.
  const nonceKey = validatorNonceKey(fast.manager)
  const op = await sessionOpByHand(devnet, { grant, signer: c.signer ?? key, callData, permissionIndices: c.indices ?? [0], declaredTime, mode, nonceKey })
  return c.after ? c.after(op) : op
}

/** A verdict with the manager's address and the session digests written as names (they differ between the two), other words as `bytes32`. */
function normalized(verdict: ManagerVerdict, granted: Granted): string {
  let text = JSON.stringify(verdict.valid ? verdict : { error: verdict.error, args: verdict.args }, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v)).toLowerCase()
  text = text.replaceAll(granted.manager.toLowerCase(), 'manager').replaceAll(BigInt(granted.manager).toString(16), 'manager')
  for (const [name, grant] of Object.entries(granted.root)) text = text.replaceAll(grant.digest.toLowerCase(), `digest(${name})`)
  // A changed session that names the manager has another digest under each: any other 32-byte word.
  return text.replace(/0x[0-9a-f]{64}/g, 'bytes32')
}

/** The gas `validateUserOp` takes on `manager` (eth_estimateGas of the direct call from the account). */
async function validationGas(op: UserOperation<'0.7'>, manager: Address): Promise<bigint> {
  const userOpHash = getUserOperationHash({ userOperation: op, entryPointAddress: devnet.entryPoint, entryPointVersion: '0.7', chainId: devnet.chainId })
  const data = encodeFunctionData({ abi: sessionKeyManagerAbi, functionName: 'validateUserOp', args: [toPackedUserOperation(op), userOpHash] })
  return devnet.publicClient.estimateGas({ account: op.sender, to: manager, data })
}

/** Both managers' verdicts on the case, which must be the same; returns the verdict and whether the common path ran. */
async function compare(mode: 'root' | 'recorded', c: Case, what: string): Promise<{ verdict: string; commonPathRan: boolean }> {
  const [fastOp, generalOp] = await Promise.all([opFor(fast, mode, c), opFor(general, mode, c)])
  const [a, b] = await Promise.all([managerVerdict(devnet, fastOp, fast.manager), managerVerdict(devnet, generalOp, general.manager)])
  const verdict = normalized(a, fast)
  assert.equal(verdict, normalized(b, general), `${mode}: ${what}`)
  if (!a.valid) return { verdict, commonPathRan: false }
  const [gasFast, gasGeneral] = await Promise.all([validationGas(fastOp, fast.manager), validationGas(generalOp, general.manager)])
  return { verdict, commonPathRan: gasGeneral - gasFast > 1_000n }
}

const counterCall = () => single(devnet.contracts.demoCounter, countData)

describe('the common path agrees with the general path', () => {
  /** [what, case, expected: 'common' (accepted on the common path), 'general' (accepted, general path), or a refusal's error name]. */
  const cases = (): [string, Case, string][] => [
    ['a permitted call', { session: 'counter', callData: counterCall() }, 'common'],
    ['a permitted call, no window', { session: 'noWindow', callData: counterCall() }, 'common'],
    ['the value limit exactly', { session: 'counter', callData: single(devnet.contracts.demoCounter, countData, parseEther('0.001')) }, 'common'],
    ['one wei above the value limit', { session: 'counter', callData: single(devnet.contracts.demoCounter, countData, parseEther('0.001') + 1n) }, 'SessionValueAboveLimit'],
    ['exec type try', { session: 'counter', callData: single(devnet.contracts.demoCounter, countData, 0n, 0, 1) }, 'common'],
    ['exec type 2', { session: 'counter', callData: single(devnet.contracts.demoCounter, countData, 0n, 0, 2) }, 'SessionExecutionModeRefused'],
    ['delegatecall', { session: 'counter', callData: single(devnet.contracts.demoCounter, countData, 0n, 0xff) }, 'SessionExecutionModeRefused'],
    ['a batch of one call (the general path)', { session: 'counter', callData: batchOfOne(devnet.contracts.demoCounter, countData) }, 'general'],
    ['another function', { session: 'counter', callData: single(devnet.contracts.demoCounter, refuseData(1n)) }, 'SessionCallNotPermitted'],
    ['another target', { session: 'counter', callData: single(devnet.contracts.demoToken, countData) }, 'SessionCallNotPermitted'],
    ['empty calldata', { session: 'counter', callData: single(devnet.contracts.demoCounter, '0x') }, 'SessionCallNotPermitted'],
    ['three bytes of calldata', { session: 'counter', callData: single(devnet.contracts.demoCounter, slice(countData, 0, 3)) }, 'SessionCallNotPermitted'],
    ['onInstall on the permitted target', { session: 'counter', callData: single(devnet.contracts.demoCounter, '0x6d61fe70') }, 'SessionTargetForbidden'],
    ['the account itself', { session: 'counter', callData: single(owner.address, countData) }, 'SessionTargetForbidden'],
    ['the manager', { session: 'counter', callData: (manager) => single(manager, countData) }, 'SessionTargetForbidden'],
    ['the EntryPoint', { session: 'counter', callData: single(devnet.entryPoint, countData) }, 'SessionTargetForbidden'],
    ['address zero', { session: 'counter', callData: single(zeroAddress, countData) }, 'SessionTargetForbidden'],
    ['a missing permission', { session: 'counter', callData: counterCall(), indices: [1] }, 'SessionPermissionMissing'],
    ['two indices for one call', { session: 'counter', callData: counterCall(), indices: [0, 0] }, 'SessionCallCountMismatch'],
    ['another key', { session: 'counter', callData: counterCall(), signer: stranger }, 'failed signature'],
    ['a revoked session', { session: 'revoked', callData: counterCall() }, 'SessionIsRevoked'],
    ['the default gas bounds, built in', { session: 'defaultGas', callData: counterCall() }, 'common'],
    ['a built-in fee bound below the op\'s fee', { session: 'lowFeeBound', callData: counterCall() }, 'GasFeeAboveLimit'],
    ['a built-in fee bound, and a call outside the permission (gas is checked first)', { session: 'lowFeeBound', callData: single(devnet.contracts.demoCounter, refuseData(1n)) }, 'GasFeeAboveLimit'],
    ['the gas bounds in the GasPolicy module', { session: 'gasModule', callData: counterCall() }, 'common'],
    ['any target: ETH to an address with no code', { session: 'anyTarget', callData: single(recipient, '0x', 1n) }, 'common'],
    ['any target: ETH to the account itself', { session: 'anyTarget', callData: single(owner.address, '0x', 1n) }, 'SessionTargetForbidden'],
    ['any target: above its value limit', { session: 'anyTarget', callData: single(recipient, '0x', parseEther('0.001') + 1n) }, 'SessionValueAboveLimit'],
    ['any target: a function call under a plain-transfer permission', { session: 'anyTarget', callData: single(recipient, countData) }, 'SessionCallNotPermitted'],
    ['permission 1 in the CallPolicy module, its rules hold', { session: 'moduleRules', callData: single(devnet.contracts.demoToken, transfer(recipient, 100n)), indices: [1] }, 'common'],
    ['permission 1 in the CallPolicy module, a rule fails', { session: 'moduleRules', callData: single(devnet.contracts.demoToken, transfer(recipient, 101n)), indices: [1] }, 'CallPolicyRuleFailed'],
    ['permission 1, its rules hold', { session: 'twoPermissions', callData: single(devnet.contracts.demoToken, transfer(recipient, 100n)), indices: [1] }, 'common'],
    ['permission 1, the amount rule fails', { session: 'twoPermissions', callData: single(devnet.contracts.demoToken, transfer(recipient, 101n)), indices: [1] }, 'CallPolicyRuleFailed'],
    ['permission 1, the recipient rule fails', { session: 'twoPermissions', callData: single(devnet.contracts.demoToken, transfer(stranger.address, 1n)), indices: [1] }, 'CallPolicyRuleFailed'],
    ['permission 1, a short argument', { session: 'twoPermissions', callData: single(devnet.contracts.demoToken, slice(transfer(recipient, 1n), 0, 40)), indices: [1] }, 'CallPolicyParamUnreadable'],
    ['permission 0 after permission 1', { session: 'twoPermissions', callData: counterCall(), indices: [0] }, 'common'],
    ['the token call under permission 0', { session: 'twoPermissions', callData: single(devnet.contracts.demoToken, transfer(recipient, 1n)), indices: [0] }, 'SessionCallNotPermitted'],
    ['a signature with a byte more', { session: 'counter', callData: counterCall(), after: (op) => ({ ...op, signature: concat([op.signature, '0x00']) }) }, 'failed signature'],
    ['a signature a byte short', { session: 'counter', callData: counterCall(), after: (op) => ({ ...op, signature: slice(op.signature, 0, -1) }) }, 'failed signature'],
  ]

  for (const mode of ['root', 'recorded'] as const) {
    it(`${mode} mode: each case gets the same answer from both, on the expected path`, async () => {
      for (const [what, c, expected] of cases()) {
        const { verdict, commonPathRan } = await compare(mode, c, what)
        if (expected === 'common' || expected === 'general') {
          assert.match(verdict, /"valid":true/, `${mode}: ${what}: accepted`)
          assert.equal(commonPathRan, expected === 'common', `${mode}: ${what}: on the ${expected} path`)
        } else if (expected === 'failed signature') {
          assert.match(verdict, /"valid":true,"validationdata":"[0-9a-f]*0{39}1"/, `${mode}: ${what}: a failed signature`)
        } else {
          assert.match(verdict, new RegExp(`"error":"${expected.toLowerCase()}"`), `${mode}: ${what}`)
        }
      }
    })
  }

  it('random changes to the signed bytes, re-signed (the call) or not (the signature): the same answer from both', async () => {
    // The signature changes need byte-identical ops: sessions that do not name their manager, in the same tree.
    const sameBytes = ['counter', 'noWindow', 'revoked']
    for (const granted of [fast, general]) {
      const sessions = sessionsFor(granted.manager)
      const { grants } = await grantSessions(devnet.bundlerClient, { account: owner, manager: granted.manager, sessions: sameBytes.map((n) => sessions[n]!) })
      sameBytes.forEach((n, i) => (granted.root[n] = grants[i]!))
    }
    let seed = 0x5eed
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed % n
    }
    const flipByte = (hex: Hex, at: number, flip: number) => {
      const value = parseInt(hex.slice(2 + 2 * at, 4 + 2 * at), 16) ^ flip
      return `${hex.slice(0, 2 + 2 * at)}${value.toString(16).padStart(2, '0')}${hex.slice(4 + 2 * at)}` as Hex
    }
    const verdicts = new Map<string, number>()
    const tally = (r: { verdict: string }) => {
      const kind = r.verdict.match(/"error":"(\w+)"|"valid":true/)![0]
      verdicts.set(kind, (verdicts.get(kind) ?? 0) + 1)
    }
    const transferCall = single(devnet.contracts.demoToken, transfer(recipient, 7n))
    // A byte of the call changed, and the op signed as it is then.
    for (const [mode, session, callData, indices] of [
      ['root', 'counter', counterCall(), [0]],
      ['recorded', 'counter', counterCall(), [0]],
      ['recorded', 'twoPermissions', transferCall, [1]],
      ['recorded', 'defaultGas', counterCall(), [0]],
    ] as const) {
      for (let i = 0; i < 60; i++) {
        const [at, flip] = [random((callData.length - 2) / 2), 1 + random(255)]
        tally(await compare(mode, { session, callData: flipByte(callData, at, flip), indices: [...indices] }, `${session}: callData byte ${at} ^ ${flip}`))
      }
    }
    // A byte of the signed signature changed (the session and grant, the indices, the declared time).
    for (const [mode, session] of [['root', 'counter'], ['recorded', 'counter'], ['root', 'noWindow']] as const) {
      for (let i = 0; i < 60; i++) {
        const [pick, flip] = [random(1 << 20), 1 + random(255)]
        const after = (op: UserOperation<'0.7'>) => ({ ...op, signature: flipByte(op.signature, pick % ((op.signature.length - 2) / 2 - 65), flip) })
        tally(await compare(mode, { session, callData: counterCall(), after }, `${session}: signature change ${pick} ^ ${flip}`))
      }
    }
    // Both kinds of answer came up, and many kinds of refusal.
    assert.equal([...verdicts.values()].reduce((a, b) => a + b), 420)
    assert.ok((verdicts.get('"valid":true') ?? 0) > 10, JSON.stringify([...verdicts]))
    assert.ok(verdicts.size > 6, JSON.stringify([...verdicts]))
  })

  it('after revoking all: recorded sessions (their records are from the old epoch) and the root are refused by both', async () => {
    for (const granted of [fast, general]) await revokeSessions(devnet.bundlerClient, { account: owner, manager: granted.manager, sessions: 'all' })
    for (const mode of ['root', 'recorded'] as const) {
      for (const session of ['counter', 'defaultGas', 'twoPermissions']) {
        const { verdict } = await compare(mode, { session, callData: counterCall() }, `${mode} ${session} after revoking all`)
        assert.match(verdict, /"error":"sessionnotgranted"/, `${mode} ${session}`)
      }
    }
  })
})
