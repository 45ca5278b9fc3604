import { hexToString, isHex, stringToHex, type Hex } from 'viem'
import { SessionFormatError } from '../errors/session.ts'
import { parseSessionGrant, serializeSessionGrant, type SessionGrant } from '../sessions/sessionGrant.ts'

/**
 * The ERC-7715 `context` of a Latchkey grant: the grant's JSON (`serializeSessionGrant`, no key) as hex bytes.
 * It carries everything the dApp needs to act (the session, the account, the manager, the Merkle proof or the
 * owner's approval) and is checked when read back. It is not secret: without the session key it does nothing.
 */
export function encodePermissionContext(grant: SessionGrant): Hex {
  return stringToHex(serializeSessionGrant(grant))
}

/** The grant in a `context`, checked (`parseSessionGrant`). Throws {@link SessionFormatError} saying what is wrong. */
export function decodePermissionContext(context: Hex): SessionGrant {
  if (typeof context !== 'string' || !isHex(context, { strict: true }) || context.length % 2 !== 0) throw new SessionFormatError('the permission context is not hex bytes')
  let json: string
  try {
    json = hexToString(context)
  } catch {
    throw new SessionFormatError('the permission context is not UTF-8 text')
  }
  const { grant, privateKey } = parseSessionGrant(json)
  if (privateKey !== undefined) throw new SessionFormatError('the permission context carries a private key: a context must never hold one')
  return grant
}
