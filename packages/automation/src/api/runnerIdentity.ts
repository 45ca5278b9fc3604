import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, type Hex } from 'viem'
import type { AtRestCipher } from '@latchkey/node'

/**
 * A runner's public identity: its X25519 key. Clients seal session keys to it, and sign their API requests
 * for it (a request signed for one runner is refused by another). Its secret is sealed at rest.
 */
export type RunnerIdentity = { runnerKey: Hex; secret: Uint8Array }

const FILE = 'runner-identity.sealed'
const LABEL = 'runner-identity'

export function loadOrCreateRunnerIdentity(dataDir: string, cipher: AtRestCipher): RunnerIdentity {
  const path = join(dataDir, FILE)
  let secret: Uint8Array
  if (existsSync(path)) secret = cipher.open(readFileSync(path, 'utf8').trim(), LABEL)
  else {
    secret = x25519.utils.randomSecretKey()
    writeFileSync(path, cipher.seal(secret, LABEL), { mode: 0o600, flag: 'wx' })
  }
  return { runnerKey: bytesToHex(x25519.getPublicKey(secret)), secret }
}
