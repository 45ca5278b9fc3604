import type { GasCase } from './ownerPaths.ts'

/** The committed gas snapshot: case id → gasUsed, one per line, sorted, so a diff shows what moved. */
export function gasSnapshot(cases: GasCase[]): string {
  const entries = [...cases].sort((a, b) => a.id.localeCompare(b.id)).map((c) => [c.id, Number(c.gasUsed)])
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`
}
