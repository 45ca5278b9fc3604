/**
 * The SDK bundles for the browser (esbuild, platform 'browser': a Node.js built-in anywhere in its graph
 * fails the build) and stays within its size budget, minified and gzipped, viem excluded. The budgets are
 * the figures in BENCHMARKS.md plus about 10%: growing past one is a choice to make on purpose.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { measureSdkBundle, SDK_BUNDLE_ENTRIES } from '../bench/sdkBundleSize.ts'

const BUDGET_GZIPPED_BYTES: Record<keyof typeof SDK_BUNDLE_ENTRIES, number> = {
  'everything the SDK exports': 101 * 1024,
  'a page acting under a session (toSessionAccount, parseSessionGrant, sendUserOperationAndWait)': 29 * 1024,
}

describe('the SDK in a browser bundle', () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(import.meta.dirname, '..'), stdio: 'ignore' })
  for (const [entry, contents] of Object.entries(SDK_BUNDLE_ENTRIES) as [keyof typeof SDK_BUNDLE_ENTRIES, string][]) {
    it(`${entry}: bundles for the browser within ${BUDGET_GZIPPED_BYTES[entry] / 1024} KB gzipped`, async () => {
      const size = await measureSdkBundle(entry, contents)
      assert.ok(size.gzippedBytes <= BUDGET_GZIPPED_BYTES[entry], `${size.gzippedBytes} bytes gzipped; the largest inputs: ${JSON.stringify(size.largestInputs)}`)
    })
  }
})
