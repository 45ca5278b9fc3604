/**
 * Gas is deterministic on anvil: every case of `npm run bench` are measured again on a devnet of their own (fresh
 * state, the same transactions as `npm run bench`; the P-256 precompile and EIP-7702 cases on an Osaka devnet, as there) and must equal bench/gas-snapshot.json to the unit.
 * A change that moves gas on purpose updates the snapshot with `npm run bench` in the same commit.
 */
import { it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDevnet } from '@latchkey/devnet'
import { measureOwnerPaths } from '../bench/ownerPaths.ts'
import { measureSessionPaths } from '../bench/sessionPaths.ts'
import { measurePolicyPaths } from '../bench/policyPaths.ts'
import { measureBatchPaths } from '../bench/batchPaths.ts'
import { measureGrantPaths } from '../bench/grantPaths.ts'
import { measureTreePaths } from '../bench/treePaths.ts'
import { measureSignerPaths } from '../bench/signerPaths.ts'
import { measureEip7702Paths } from '../bench/eip7702Paths.ts'
import { measureMultichainPaths } from '../bench/multichainPaths.ts'
import { gasSnapshot } from '../bench/gasSnapshot.ts'

it('the gas of every benchmark case equals the committed snapshot', async () => {
  const devnet = await startDevnet()
  try {
    const target = { ...devnet, funderKey: devnet.testKeys[2]!.privateKey }
    const cases = [...(await measureOwnerPaths(target)), ...(await measureSessionPaths(target)), ...(await measurePolicyPaths(target)), ...(await measureBatchPaths(target)), ...(await measureGrantPaths(target)), ...(await measureTreePaths(target)), ...(await measureSignerPaths(target)), ...(await measureMultichainPaths(target))]
    const osaka = await startDevnet({ hardfork: 'osaka' })
    try {
      const osakaTarget = { ...osaka, funderKey: osaka.testKeys[2]!.privateKey }
      cases.push(...(await measureSignerPaths(osakaTarget, { precompile: true })), ...(await measureEip7702Paths(osakaTarget)))
    } finally {
      await osaka.stop()
    }
    const committed = readFileSync(join(import.meta.dirname, '..', 'bench', 'gas-snapshot.json'), 'utf8')
    assert.deepEqual(JSON.parse(gasSnapshot(cases)), JSON.parse(committed), 'gas moved: if intended, run `npm run bench` and commit the snapshot')
  } finally {
    await devnet.stop()
  }
})
