/**
 * What a dApp pays in JavaScript for @latchkey/sdk: the built package (dist/, as published) bundled for the
 * browser by esbuild (platform 'browser', ESM, minified), viem left out (the dApp has it already), then
 * gzipped at level 9. Two entries: everything the SDK exports, and what a page acting under a session imports.
 * `npm run bench:size` prints the table for BENCHMARKS.md; test/sdkBundleSize.test.ts holds the budget.
 */
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'
import { build, type Metafile } from 'esbuild'

const root = join(import.meta.dirname, '..')

export const SDK_BUNDLE_ENTRIES = {
  'everything the SDK exports': `export * from '@latchkey/sdk'`,
  'a page acting under a session (toSessionAccount, parseSessionGrant, sendUserOperationAndWait)':
    `export { toSessionAccount, parseSessionGrant, sendUserOperationAndWait } from '@latchkey/sdk'`,
} as const

export type BundleSize = { entry: string; minifiedBytes: number; gzippedBytes: number; largestInputs: [string, number][] }

const largest = (metafile: Metafile): [string, number][] =>
  Object.entries(Object.values(metafile.outputs)[0]!.inputs)
    .map(([path, input]): [string, number] => [path.replace(/^.*node_modules\//, ''), input.bytesInOutput])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)

export async function measureSdkBundle(entry: string, contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['viem', 'viem/*'],
    // No custom condition: the published build in dist/, not the workspace's sources.
    conditions: [],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  return { entry, minifiedBytes: code.byteLength, gzippedBytes: gzipSync(code, { level: 9 }).byteLength, largestInputs: largest(result.metafile) }
}

export const measureSdkBundles = (): Promise<BundleSize[]> =>
  Promise.all(Object.entries(SDK_BUNDLE_ENTRIES).map(([entry, contents]) => measureSdkBundle(entry, contents)))

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`

if (import.meta.filename === process.argv[1]) {
  console.log('| bundle (viem excluded) | minified | minified + gzip |\n|---|---:|---:|')
  for (const size of await measureSdkBundles()) console.log(`| ${size.entry} | ${kb(size.minifiedBytes)} | ${kb(size.gzippedBytes)} |`)
}
