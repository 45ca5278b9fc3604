/**
 * `npm run pack:check`: are the packages publishable? For each one, `npm pack --dry-run` lists what would
 * ship, and this refuses a package that ships a test, a fixture, TypeScript source or build state, or whose
 * `exports` (types and import), `types` or `bin` name a file that would not ship; and one whose version is
 * not semver, or whose @latchkey/* dependencies name another version than the workspace's.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
/** The workspaces of the root package.json, in their order. */
const FOLDERS = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces.map((w) => w.replace(/^packages\//, ''))
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/

type Manifest = {
  name: string
  version: string
  types?: string
  bin?: Record<string, string>
  exports?: Record<string, string | Record<string, string>>
  dependencies?: Record<string, string>
}

const manifestOf = (folder: string) => JSON.parse(readFileSync(join(root, 'packages', folder, 'package.json'), 'utf8')) as Manifest

function packedFiles(folder: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(root, 'packages', folder), encoding: 'utf8' })
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path)
}

/** Every file a consumer's resolver may be sent to (the workspace-only `latchkey-source` condition aside). */
function namedFiles(manifest: Manifest): string[] {
  const targets = Object.values(manifest.exports ?? {}).flatMap((target) =>
    typeof target === 'string' ? [target] : Object.entries(target).filter(([condition]) => condition !== 'latchkey-source').map(([, path]) => path),
  )
  return [...targets, ...(manifest.types ? [manifest.types] : []), ...Object.values(manifest.bin ?? {})].map((p) => p.replace(/^\.\//, ''))
}

function problemsOf(manifest: Manifest, files: string[], versions: Map<string, string>): string[] {
  const shipped = new Set(files)
  const stray = files.filter((f) => /\.test\.|(^|\/)(test|fixtures|testing)\/|\.tsbuildinfo$/.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))
  const missing = namedFiles(manifest).filter((f) => !shipped.has(f))
  const skewed = Object.entries(manifest.dependencies ?? {}).filter(([name, range]) => versions.has(name) && versions.get(name) !== range)
  return [
    ...(SEMVER.test(manifest.version) ? [] : [`version ${manifest.version} is not semver`]),
    ...stray.map((f) => `ships ${f}`),
    ...missing.map((f) => `names ${f}, which it does not ship (run npm run build?)`),
    ...skewed.map(([name, range]) => `depends on ${name}@${range}, the workspace has ${versions.get(name)}`),
  ].map((problem) => `${manifest.name}: ${problem}`)
}

const packages = FOLDERS.map((folder) => ({ manifest: manifestOf(folder), files: packedFiles(folder) }))
const versions = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]))
const problems = packages.flatMap(({ manifest, files }) => problemsOf(manifest, files, versions))
for (const { manifest, files } of packages) console.log(`${manifest.name}@${manifest.version}: ${files.length} files`)
if (problems.length > 0) {
  for (const problem of problems) console.error(problem)
  process.exit(1)
}
console.log('every package is publishable')
