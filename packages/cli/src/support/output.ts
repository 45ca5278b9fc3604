/** Writes one JSON value on stdout. Bigints (epochs, value limits) become decimal strings: JSON has no bigint. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`)
}

/** Writes lines of text on stdout. */
export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`)
}

/** Unix seconds as an ISO time, or "no expiry" for a session end of 0. */
export function formatSessionTime(seconds: number): string {
  return seconds === 0 ? 'no expiry' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
