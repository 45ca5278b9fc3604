import type { GasCase } from './ownerPaths.ts'

/** Cases whose signature bytes depend on the time of the run (periodic limits): reported, not snapshotted. */
export const isTimeDependent = (c: GasCase) => c.id.startsWith('policy-periodic/')

/** Cases that need a download (a peer's bytecode): reported by `npm run bench`, not snapshotted. */
export const isPeer = (c: GasCase) => c.id.startsWith('peer/')

/** The committed gas snapshot: case id → gasUsed, one per line, sorted, so a diff shows what moved. */
export function gasSnapshot(cases: GasCase[]): string {
  const entries = cases.filter((c) => !isTimeDependent(c) && !isPeer(c)).sort((a, b) => a.id.localeCompare(b.id)).map((c) => [c.id, Number(c.gasUsed)])
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`
}
