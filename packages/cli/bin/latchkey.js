#!/usr/bin/env node
// The `latchkey` command: the built CLI in dist/. In this repository's workspace, with the `latchkey-source`
// condition set (`NODE_OPTIONS=--conditions=latchkey-source`, as its tests do), it runs the TypeScript
// sources through tsx instead, so that a test never meets a stale build.
const conditions = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
if (conditions.some((flag) => /^(--conditions|-C)(=|$)/.test(flag) && flag.includes('latchkey-source'))) {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/main.ts')
} else {
  await import('../dist/main.js')
}
