/**
 * Sessions whose signer is a P-256 key (issue 18, item 1): a non-extractable WebCrypto key, and a WebAuthn
 * passkey (a software authenticator here; test/browserP256.test.ts drives Chromium's virtual one). Checked on
 * chain by P256SignerVerifier, in Solidity on the shared devnet (cancun: no precompile) and with P256VERIFY on
 * an Osaka devnet. The wrong cases are built around the SDK, which refuses them first, and sent to the
 * EntryPoint by the attacker's own handleOps.
 */
import { after, describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { p256 } from '@noble/curves/nist.js'
import { parseGwei, encodeAbiParameters, bytesToHex, hexToBytes, keccak256, numberToHex, concat, toHex, slice, type Hex } from 'viem'
import type { UserOperation } from 'viem/account-abstraction'
import { demoCounterAbi, p256SignerVerifierAbi } from '@latchkey/contracts'
import { checkValidationRules } from '@latchkey/devnet'
import {
  createSession,
  describeSession,
  grantSessions,
  hasP256Precompile,
  p256CompactSignature,
  permission,
  sendUserOperationAndWait,
  sessionMessageHash,
  toSessionAccount,
  webAuthnSessionSigner,
  webCryptoSessionSigner,
  WebAuthnAssertionError,
  type ToSessionAccountReturnType,
  type SessionSigner,
  type WebAuthnAssertion,
} from '@latchkey/sdk'
import { startOwnDevnet, useDevnet, type DevnetFixture } from './fixtures/devnet.ts'
import { assertRefusedInValidation, submitAsOwnBundler } from './fixtures/ownBundler.ts'
import { countData, deployedOwnerAccount } from './fixtures/sessions.ts'
import { softAuthenticator, type SoftAssertionKnobs } from './fixtures/softAuthenticator.ts'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

const N = p256.Point.Fn.ORDER
const counted = (on: DevnetFixture, account: Hex) => on.publicClient.readContract({ address: on.contracts.demoCounter, abi: demoCounterAbi, functionName: 'counts', args: [account] })
const nonExtractableKey = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])

/** A session of `signer` that may call DemoCounter.count(), granted by a fresh account, and its session account. */
async function grantedCounterSession(on: DevnetFixture, signer: SessionSigner) {
  const owner = await deployedOwnerAccount(on)
  const session = createSession({ signer, validFor: 3600, permissions: [permission({ target: on.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
  const { grants } = await grantSessions(on.bundlerClient, { account: owner, manager: on.contracts.sessionKeyManager, sessions: [session] })
  const account = await toSessionAccount({ client: on.publicClient, grant: grants[0]!, signer })
  return { owner, session, grant: grants[0]!, account }
}

/** Uses the session twice through the bundler, after checking ERC-7562 on the first op's validation trace. */
async function useTwice(on: DevnetFixture, signer: SessionSigner, p256Precompile: boolean) {
  const { owner, account } = await grantedCounterSession(on, signer)
  const call = { to: on.contracts.demoCounter, data: countData }
  const prepared = (await on.bundlerClient.prepareUserOperation({ account, calls: [call] })) as UserOperation<'0.7'>
  const userOperation = { ...prepared, signature: await account.signUserOperation(prepared) }
  assert.deepEqual(await checkValidationRules(on.publicClient, { userOperation, factoryStaked: true, p256Precompile }), [])
  await sendUserOperationAndWait(on.bundlerClient, { account, calls: [call] })
  await sendUserOperationAndWait(on.bundlerClient, { account, calls: [call] })
  assert.equal(await counted(on, owner.address), 3n)
  return userOperation
}

/** The verifier's WebAuthn encoding, written by hand (what an attacker around the SDK sends). */
function handEncodedAssertion(assertion: WebAuthnAssertion): Hex {
  const text = new TextDecoder('latin1').decode(assertion.clientDataJSON)
  const compact = p256CompactSignature(assertion.signature)
  return encodeAbiParameters(
    [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }],
    [slice(compact, 0, 32), slice(compact, 32), BigInt(text.indexOf('"challenge":"')), BigInt(text.indexOf('"type":"')), bytesToHex(assertion.authenticatorData), bytesToHex(assertion.clientDataJSON)],
  )
}

/** An op of `account` with fixed, ample gas: nothing is estimated (an estimate signs, and the SDK's signer would refuse). */
async function fixedGasOp(on: DevnetFixture, account: ToSessionAccountReturnType): Promise<UserOperation<'0.7'>> {
  const unsigned: UserOperation<'0.7'> = {
    sender: account.address,
    nonce: await account.getNonce(),
    callData: await account.encodeCalls([{ to: on.contracts.demoCounter, data: countData }]),
    callGasLimit: 200_000n,
    verificationGasLimit: 1_500_000n,
    preVerificationGas: 100_000n,
    maxFeePerGas: parseGwei('3'),
    maxPriorityFeePerGas: parseGwei('1'),
    signature: '0x',
  }
  return { ...unsigned, signature: await account.signUserOperation(unsigned) }
}

const isValid = (on: DevnetFixture, signer: Hex, hash: Hex, signature: Hex) =>
  on.publicClient.readContract({ address: on.contracts.p256SignerVerifier, abi: p256SignerVerifierAbi, functionName: 'isValidSessionSignature', args: [signer, hash, signature] })

describe('P-256 session signers, verified in Solidity (no precompile on this chain)', () => {
  it('a non-extractable WebCrypto key signs a session used through the bundler; its key cannot be read', async () => {
    const keyPair = await nonExtractableKey()
    await assert.rejects(crypto.subtle.exportKey('pkcs8', keyPair.privateKey), /not extractable/)
    const signer = await webCryptoSessionSigner({ keyPair })
    assert.equal(signer.verifier, devnet.contracts.p256SignerVerifier)
    assert.equal(slice(signer.key, 64), '0x00') // raw key, Solidity
    assert.equal(await hasP256Precompile(devnet.publicClient), false)
    await useTwice(devnet, signer, false)
  })

  it('a passkey (user verification required by default) signs a session used through the bundler', async () => {
    const authenticator = softAuthenticator()
    const signer = webAuthnSessionSigner({ credential: authenticator.credential, getAssertion: authenticator.getAssertion })
    assert.equal(slice(signer.key, 64), '0x05') // WebAuthn, Solidity, UV
    await useTwice(devnet, signer, false)
    const session = createSession({ signer, validFor: 60, permissions: [permission({ target: devnet.contracts.demoCounter, abi: demoCounterAbi, functionName: 'count' })] })
    assert.match(describeSession(session), /^A passkey \(WebAuthn, P-256 key 0x[0-9a-f]+…[0-9a-f]+ \(64 bytes\); each signature with the user verified/)
  })

  describe('a passkey assertion the chain must refuse: the SDK refuses it first; sent by hand, the EntryPoint says AA24', () => {
    const cases: { name: string; knobs: SoftAssertionKnobs; check: string }[] = [
      { name: 'for another challenge', knobs: { challenge: new Uint8Array(32).fill(7) }, check: 'challenge' },
      { name: 'without user presence', knobs: { flags: 0x04 }, check: 'user-presence' },
      { name: 'without user verification, which the session requires', knobs: { flags: 0x01 }, check: 'user-verification' },
      { name: 'of another type (a registration)', knobs: { type: 'webauthn.create' }, check: 'type' },
      { name: 'signed by another key', knobs: { signingKey: p256.utils.randomSecretKey() }, check: 'signature' },
    ]
    for (const { name, knobs, check } of cases) {
      it(name, async () => {
        const authenticator = softAuthenticator()
        const honest = webAuthnSessionSigner({ credential: authenticator.credential, getAssertion: authenticator.getAssertion })
        const { owner, grant, account } = await grantedCounterSession(devnet, honest)
        Object.assign(authenticator.knobs, knobs)
        const call = { to: devnet.contracts.demoCounter, data: countData }
        const sent = sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [call] })
        await assert.rejects(sent, (error: unknown) => error instanceof WebAuthnAssertionError && error.check === check)

        // Around the SDK: the same assertion, encoded by hand, in an op sent to handleOps by the attacker.
        const forger: SessionSigner = {
          ...honest,
          signSessionHash: async (signingHash) =>
            handEncodedAssertion(await authenticator.getAssertion({ challenge: hexToBytes(sessionMessageHash(signingHash)), credentialId: new Uint8Array(), rpId: undefined, userVerification: 'required' })),
        }
        const forged = await toSessionAccount({ client: devnet.publicClient, grant, signer: forger })
        assertRefusedInValidation(await submitAsOwnBundler(devnet, await fixedGasOp(devnet, forged)), /AA24/)
        assert.equal(await counted(devnet, owner.address), 1n)
      })
    }
  })

  it('the verifier refuses a high-s twin, a bad options byte, and the precompile option on a chain without it', async () => {
    const authenticator = softAuthenticator()
    const hash = keccak256(toHex('a session hash'))
    const digest = p256.sign(hexToBytes(hash), authenticator.privateKey, { prehash: true })
    const r = slice(bytesToHex(digest), 0, 32)
    const s = BigInt(slice(bytesToHex(digest), 32))
    const low = concat([r, numberToHex(s > N / 2n ? N - s : s, { size: 32 })])
    const high = concat([r, numberToHex(s > N / 2n ? s : N - s, { size: 32 })])
    const xy = slice(authenticator.credential.publicKey, 1)
    const raw = (options: number) => concat([xy, numberToHex(options, { size: 1 })])
    assert.equal(await isValid(devnet, raw(0x00), hash, low), true)
    assert.equal(await isValid(devnet, raw(0x00), hash, high), false)
    assert.equal(await isValid(devnet, raw(0x08), hash, low), false) // an unknown option bit
    assert.equal(await isValid(devnet, raw(0x04), hash, low), false) // "user verified" without WebAuthn
    assert.equal(await isValid(devnet, raw(0x02), hash, low), false) // the precompile where there is none
    assert.equal(await isValid(devnet, slice(raw(0x00), 0, 64), hash, low), false) // no options byte
    assert.equal(await isValid(devnet, raw(0x00), hash, slice(low, 0, 63)), false)
    // The SDK moves a high s to the lower half, so what WebCrypto gives always verifies.
    assert.equal(p256CompactSignature(hexToBytes(high)), low)
  })

  it('a WebCrypto session marked for the precompile is refused on a chain without it (fails closed, AA24)', async () => {
    const signer = await webCryptoSessionSigner({ keyPair: await nonExtractableKey(), verification: 'precompile' })
    const { owner, account } = await grantedCounterSession(devnet, signer)
    // The SDK's estimate already fails (AA24); the attacker's own bundler sends it anyway.
    await assert.rejects(sendUserOperationAndWait(devnet.bundlerClient, { account, calls: [{ to: devnet.contracts.demoCounter, data: countData }] }), /AA24/)
    assertRefusedInValidation(await submitAsOwnBundler(devnet, await fixedGasOp(devnet, account)), /AA24/)
    assert.equal(await counted(devnet, owner.address), 1n)
  })
})

describe('P-256 session signers with the P256VERIFY precompile (an Osaka devnet)', () => {
  let osaka: Awaited<ReturnType<typeof startOwnDevnet>> | undefined
  before(async () => {
    osaka = await startOwnDevnet({ hardfork: 'osaka' })
  })
  after(() => osaka?.stop())

  it('has the precompile, and the checker flags it as OP-062 unless told the network has it', async () => {
    assert.equal(await hasP256Precompile(osaka!.publicClient), true)
    const signer = await webCryptoSessionSigner({ keyPair: await nonExtractableKey(), verification: 'precompile' })
    const userOperation = await useTwice(osaka!, signer, true)
    const flagged = await checkValidationRules(osaka!.publicClient, { userOperation, factoryStaked: true })
    assert.deepEqual(flagged.map((v) => v.rule), ['OP-062'])
  })

  it('a passkey with the precompile signs a session used through the bundler; another challenge is refused', async () => {
    const authenticator = softAuthenticator()
    const signer = webAuthnSessionSigner({ credential: authenticator.credential, getAssertion: authenticator.getAssertion, verification: 'precompile', userVerification: 'discouraged' })
    assert.equal(slice(signer.key, 64), '0x03') // WebAuthn, precompile, presence only
    await useTwice(osaka!, signer, true)
    const hash = keccak256(toHex('another op'))
    const assertion = await authenticator.getAssertion({ challenge: hexToBytes(hash), credentialId: new Uint8Array(), rpId: undefined, userVerification: 'discouraged' })
    assert.equal(await isValid(osaka!, signer.key, hash, handEncodedAssertion(assertion)), true)
    assert.equal(await isValid(osaka!, signer.key, keccak256(hash), handEncodedAssertion(assertion)), false)
  })
})
