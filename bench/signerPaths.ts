/**
 * Gas of the session signer kinds: the same steady session ERC-20 transfer (recorded session, no policy)
 * signed by an ECDSA key (checked inside the manager), by a FROST 2-of-3 group key (FrostSignerVerifier:
 * the RFC 9591 challenge by SHA-256, one ecrecover), and by P-256 keys (P256SignerVerifier): a raw key and a
 * WebAuthn passkey, with the curve checked in Solidity (OpenZeppelin's P256) or, on an Osaka chain, by the
 * P256VERIFY precompile (`precompile: true`: the ECDSA case again as that chain's baseline, then the P-256
 * ones). The group signs from a dealer's shares with a seeded random source, and the P-256 keys are fixed and
 * sign per RFC 6979 (a software authenticator for the passkey), so every run signs the same bytes.
 */
import { encodeFunctionData, erc20Abi, hexToBytes, keccak256, numberToHex, parseUnits, slice, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { p256 } from '@noble/curves/nist.js'
import {
  createSession,
  createSessionApproval,
  erc7579ModuleConfigAbi,
  p256SessionSigner,
  permission,
  sendUserOperationAndWait,
  toSessionAccount,
  webAuthnSessionSigner,
  type SessionSigner,
} from '@latchkey/sdk'
import { inProcessFrostGroup } from '../test/fixtures/frostGroup.ts'
import { softAuthenticator } from '../test/fixtures/softAuthenticator.ts'
import { BENCH_FEES, caseOf, type GasCase, type MeasureTarget } from './ownerPaths.ts'
import { FIXED_DECLARED_TIME } from './sessionPaths.ts'
import { benchAccount } from './benchAccount.ts'
import { benchSalt } from './benchSalt.ts'

/** A deterministic stand-in for randomness: keccak256 of a counter, cut to the length asked. */
function seededRandom(seed: string) {
  let counter = 0
  return (length = 32) => {
    const out = new Uint8Array(length)
    for (let filled = 0; filled < length; filled += 32) out.set(hexToBytes(keccak256(stringToHex(`${seed}/${counter++}`))).slice(0, length - filled), filled)
    return out
  }
}

export async function measureSignerPaths(target: MeasureTarget, { precompile = false } = {}): Promise<GasCase[]> {
  const { demoToken: token, sessionKeyManager: manager } = target.contracts
  const cases: GasCase[] = []
  const { publicClient, bundler, account } = await benchAccount(target, 'c6', (address) => [
    { to: address, data: encodeFunctionData({ abi: erc7579ModuleConfigAbi, functionName: 'installModule', args: [1n, manager, '0x'] }) },
  ])
  let fresh = 0
  const transfer = () => ({ to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [slice(keccak256(stringToHex(`signer/recipient/${fresh++}`)), 12), parseUnits('1', 6)] }) })

  async function measure(id: string, title: string, signer: SessionSigner | ReturnType<typeof privateKeyToAccount>) {
    const session = createSession({
      signer: 'signSessionHash' in signer ? signer : signer.address,
      validAfter: 0,
      validUntil: 4_000_000_000,
      salt: benchSalt(id),
      // No gas policy, explicitly: these cases measure sessions without one (the SDK's default adds GasPolicy; see policy/default-gas-bounds).
      gas: 'unbounded',
      permissions: [permission({ target: token, abi: erc20Abi, functionName: 'transfer' })],
    })
    const grant = await createSessionApproval({ account, manager, session })
    const user = await toSessionAccount({ client: publicClient, grant, signer, declaredTime: FIXED_DECLARED_TIME })
    await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })
    cases.push(caseOf(id, title, await sendUserOperationAndWait(bundler, { fees: BENCH_FEES, account: user, calls: [transfer()] })))
  }
  const ecdsa = privateKeyToAccount(numberToHex(0xe6n, { size: 32 }))
  const verification = precompile ? 'precompile' : 'solidity'
  const where = precompile ? 'P256VERIFY precompile, Osaka chain' : 'in Solidity'
  const prefix = precompile ? 'signer-osaka' : 'signer'
  await measure(`${prefix}/ecdsa`, `session ERC-20 transfer, recorded, ECDSA session key, steady${precompile ? ' (the Osaka chain\'s baseline)' : ''}`, ecdsa)
  if (!precompile) await measure('signer/frost-2-of-3', 'session ERC-20 transfer, recorded, FROST 2-of-3 group key (FrostSignerVerifier), steady', inProcessFrostGroup(2, 3, seededRandom('bench/frost')).signer)
  const rawKey = hexToBytes(keccak256(stringToHex('bench/p256-raw')))
  const raw = p256SessionSigner({ publicKey: p256.getPublicKey(rawKey, false), sign: async (message) => p256.sign(message, rawKey), verification })
  await measure(`${prefix}/p256-${verification}`, `session ERC-20 transfer, recorded, P-256 key (a WebCrypto or KMS key; ${where}), steady`, raw)
  const passkey = softAuthenticator({}, hexToBytes(keccak256(stringToHex('bench/p256-passkey'))))
  const webAuthn = webAuthnSessionSigner({ credential: passkey.credential, getAssertion: passkey.getAssertion, verification })
  await measure(`${prefix}/webauthn-${verification}`, `session ERC-20 transfer, recorded, WebAuthn passkey, user verified (${where}), steady`, webAuthn)
  return cases
}
