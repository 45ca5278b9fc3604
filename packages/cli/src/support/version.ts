import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

type Manifest = { name?: unknown; version?: unknown; bin?: unknown }

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest
  } catch {
    return undefined
  }
}

/**
 * The CLI's package: the one that declares the `latchkey` command, or is named `latchkey`, and has a
 * version. (The workspace root is named `latchkey` too, but is private and has no version, so it never
 * answers.)
 */
function isCliManifest(manifest: Manifest): manifest is Manifest & { version: string } {
  const declaresCommand = typeof manifest.bin === 'object' && manifest.bin !== null && 'latchkey' in manifest.bin
  return typeof manifest.version === 'string' && (declaresCommand || manifest.name === 'latchkey')
}

/**
 * The version of the `latchkey` package, read from its package.json at run time: the nearest one above
 * this module that is the CLI's. Walking up (instead of a fixed `../package.json`) finds it both from the
 * sources (packages/cli/src/support/) and from the build (packages/cli/dist/…), and a version written
 * into the code could not drift from the published one.
 */
export function cliVersion(moduleUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(moduleUrl))
  for (;;) {
    const manifest = readManifest(join(dir, 'package.json'))
    if (manifest && isCliManifest(manifest)) return manifest.version
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json of the latchkey CLI above ${fileURLToPath(moduleUrl)}`)
    dir = parent
  }
}
