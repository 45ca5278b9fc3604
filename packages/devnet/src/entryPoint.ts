import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { entryPoint07Address } from 'viem/account-abstraction'
import type { Address, Hex } from 'viem'
import { deployDeterministic, deterministicAddress, type DeployClients } from './deterministicDeployer.ts'

const require = createRequire(import.meta.url)

/** The salt that puts EntryPoint v0.7's published bytecode at its canonical address. */
export const ENTRY_POINT_V07_SALT: Hex = '0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3'

/** EntryPoint v0.7's creation code from `@account-abstraction/contracts@0.7.0`. */
export function entryPoint07InitCode(): Hex {
  const path = require.resolve('@account-abstraction/contracts/artifacts/EntryPoint.json')
  const artifact = JSON.parse(readFileSync(path, 'utf8')) as { bytecode: Hex }
  return artifact.bytecode
}

/**
 * Deploys EntryPoint v0.7 for real (its constructor runs, creating its SenderCreator) at the canonical
 * address `0x0000000071727De22E5E9d8BAf0edAc6f37da032`.
 */
export async function deployEntryPoint07(clients: DeployClients): Promise<Address> {
  const initCode = entryPoint07InitCode()
  const predicted = deterministicAddress(initCode, ENTRY_POINT_V07_SALT)
  if (predicted.toLowerCase() !== entryPoint07Address.toLowerCase()) {
    throw new Error(`EntryPoint artifact does not give the canonical address (got ${predicted}); wrong package version?`)
  }
  return deployDeterministic(clients, 'EntryPoint v0.7', initCode, ENTRY_POINT_V07_SALT)
}
