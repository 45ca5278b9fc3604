import { readFileSync } from 'node:fs'
import { isAddressEqual, type Address } from 'viem'
import { latchkeyModules, parseSessionGrant, SessionFormatError, type SessionGrant } from '@latchkey/sdk'
import { UsageError } from '../support/errors.ts'

/** A grant and the file it came from (messages name the file). */
export type GrantFile = { path: string; grant: SessionGrant }

/**
 * Reads one grant file in the SDK's format (`serializeSessionGrant`) and checks it with the SDK's own
 * parser. A private key in the file is dropped here: no command needs the session key, and none prints it.
 */
export function readGrantFile(path: string): GrantFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot read the grant file ${path}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`)
  }
  try {
    return { path, grant: parseSessionGrant(text).grant }
  } catch (error) {
    if (error instanceof SessionFormatError) throw new UsageError(`${path}: ${error.shortMessage}`)
    throw error
  }
}

export function readGrantFiles(paths: readonly string[]): GrantFile[] {
  return paths.map(readGrantFile)
}

/** Refuses a grant made for another chain than the one the RPC serves: its state there means nothing. */
export function assertGrantChain({ path, grant }: GrantFile, chainId: number): void {
  if (grant.chainId !== chainId) throw new UsageError(`${path} is a grant for chain ${grant.chainId}, but the RPC is on chain ${chainId}`)
}

/**
 * The account the command is about: `given` (--account), or the one the grant files name. Every file must
 * be for that account: a grant of another account mixed in is far more likely a mistake than a wish.
 */
export function accountOfGrants(files: readonly GrantFile[], given: Address | undefined): Address {
  const account = given ?? files[0]?.grant.account
  if (!account) throw new UsageError('give --account, or --grant files (each names its account)')
  const other = files.find((f) => !isAddressEqual(f.grant.account, account))
  if (other) {
    throw new UsageError(
      given
        ? `${other.path} is a grant for the account ${other.grant.account}, not ${account}`
        : `the grant files are for different accounts (${files[0]!.path}: ${account}, ${other.path}: ${other.grant.account})`,
    )
  }
  return account
}

/** The session manager: `given` (--manager), else the one the grant files name, else Latchkey's deployment. */
export function managerOfGrants(files: readonly GrantFile[], given: Address | undefined): Address {
  const manager = given ?? files[0]?.grant.manager ?? latchkeyModules.sessionKeyManager
  const other = files.find((f) => !isAddressEqual(f.grant.manager, manager))
  if (other) throw new UsageError(`${other.path} is a grant under the session manager ${other.grant.manager}, not ${manager}`)
  return manager
}
