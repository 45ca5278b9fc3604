/**
 * Gas of the session signer kinds: the same steady session ERC-20 transfer (recorded session, no policy)
 * signed by an ECDSA key (checked inside the manager) and by a FROST 2-of-3 group key (FrostSignerVerifier:
 * the RFC 9591 challenge by SHA-256, one ecrecover). The group signs in this process from a dealer's shares
 * with a seeded random source, so keys, nonces and signatures are the same in every run.
 */
import { encodeFunctionData, erc20Abi, hexToBytes, keccak256, numberToHex, parseUnits, slice, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSession, createSessionApproval, erc7579ModuleConfigAbi, permission, sendUserOperationAndWait, toSessionAccount, type SessionSigner } from '@latchkey/sdk'
import { inProcessFrostGroup } from '../test/fixtures/frostGroup.ts'
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

export async function measureSignerPaths(target: MeasureTarget): Promise<GasCase[]> {
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
  await measure('signer/ecdsa', 'session ERC-20 transfer, recorded, ECDSA session key, steady', privateKeyToAccount(numberToHex(0xe6n, { size: 32 })))
  await measure('signer/frost-2-of-3', 'session ERC-20 transfer, recorded, FROST 2-of-3 group key (FrostSignerVerifier), steady', inProcessFrostGroup(2, 3, seededRandom('bench/frost')).signer)
  return cases
}
