import { concat, hashStruct, numberToHex, size, type Address, type Hex, type TypedDataDomain } from 'viem'
import { bytes32ToHex, decodeHex, decodeHexInto } from './hexBytes.ts'
import { keccak256Bytes, keccak256Into } from './keccak256Bytes.ts'
import { assertValidSession, type Session } from './session.ts'

/** The EIP-712 types of SessionKeyManager (the same strings as SessionTypes.sol). */
export const sessionTypes = {
  Permission: [
    { name: 'target', type: 'address' },
    { name: 'selector', type: 'bytes4' },
    { name: 'valueLimit', type: 'uint128' },
    { name: 'policy', type: 'address' },
    { name: 'policyConfig', type: 'bytes' },
  ],
  Session: [
    { name: 'signerVerifier', type: 'address' },
    { name: 'signer', type: 'bytes' },
    { name: 'validAfter', type: 'uint48' },
    { name: 'validUntil', type: 'uint48' },
    { name: 'permissions', type: 'Permission[]' },
    { name: 'gasPolicy', type: 'address' },
    { name: 'gasPolicyConfig', type: 'bytes' },
    { name: 'salt', type: 'bytes32' },
  ],
  /** The owner's approval of a session (named to sort first: see SessionTypes.sol). */
  ApproveSession: [
    { name: 'account', type: 'address' },
    { name: 'epoch', type: 'uint64' },
    { name: 'session', type: 'Session' },
  ],
} as const

/** The manager's EIP-712 domain. */
export function sessionManagerDomain(chainId: number, manager: Address): TypedDataDomain {
  return { name: 'Latchkey SessionKeyManager', version: '1', chainId, verifyingContract: manager }
}

/**
 * The session's digest: keccak256 of its compact encoding ({@link encodeSession}). It names the session
 * everywhere: the Merkle leaf, the manager's record and revocation, the signer nodes' check.
 */
export function sessionDigest(session: Session): Hex {
  assertValidSession(session)
  const encoding = new EncodingBytes(spareBuffer)
  writeSession(session, encoding)
  if (encoding.bytes.length <= KEPT_BUFFER) spareBuffer = encoding.bytes
  if (encoding.oddHex) return bytes32ToHex(keccak256Bytes(decodeHex(encodeSession(session))!))
  const digest = new Uint8Array(32)
  keccak256Into(encoding.bytes, 0, encoding.length, digest, 0)
  return bytes32ToHex(digest)
}

/** The session's EIP-712 struct hash: what an owner approval commits to (shown in full by the wallet). */
export function sessionTypedHash(session: Session): Hex {
  assertValidSession(session)
  return hashStruct({ data: session as never, primaryType: 'Session', types: sessionTypes })
}

/**
 * The compact encoding the manager decodes from a signature (SessionCodec.sol; docs/sessions.md §2):
 * `head (1) ‖ validAfter (6) ‖ validUntil (6) ‖ salt (its bytes from the first non-zero one) ‖ signer part ‖
 * count (1) ‖ count × [target (20) ‖ selector (4) ‖ shape (1) ‖ valueLimit (its fewest bytes) ‖ policy part] ‖
 * gas part`. `head` is bit 0 a signer verifier, bit 1 a gas policy, bits 2–7 the salt's length; the signer
 * part is an ECDSA key's 20-byte address or `verifier (20) ‖ length (2) ‖ signer`; `shape` is bits 0–4 the
 * value limit's length, bit 5 a policy part `policy (20) ‖ length (2) ‖ config`; the gas part (head bit 1)
 * `gasPolicy (20) ‖ length (2) ‖ config`. One form per session: the manager refuses any other.
 */
export function encodeSession(session: Session): Hex {
  assertValidSession(session)
  const fields: Hex[] = []
  writeSession(session, {
    hex: (field) => void fields.push(field),
    uint: (value, bytes) => void fields.push(numberToHex(value, { size: bytes })),
  })
  return concat(fields)
}

/** Where {@link writeSession} puts the fields of the encoding, in order. */
type EncodingSink = {
  /** A field given as hex, whole. */
  hex(field: Hex): void
  /** An unsigned integer, big-endian in `bytes` bytes. */
  uint(value: number | bigint, bytes: number): void
}

const HEAD_VERIFIER = 0x01
const HEAD_GAS_POLICY = 0x02
const SHAPE_POLICY = 0x20

/** How many bytes `value` takes without leading zero bytes (0 for zero). */
function minimalBytes(value: bigint): number {
  let bytes = 0
  for (let rest = value; rest > 0n; rest >>= 8n) bytes++
  return bytes
}

/** The layout of the compact encoding, for {@link encodeSession} (as hex) and {@link sessionDigest} (as bytes). */
function writeSession(session: Session, sink: EncodingSink): void {
  const salt = BigInt(session.salt)
  const saltLength = minimalBytes(salt)
  const verifier = BigInt(session.signerVerifier) !== 0n
  const gas = BigInt(session.gasPolicy) !== 0n || size(session.gasPolicyConfig) > 0
  sink.uint((saltLength << 2) | (gas ? HEAD_GAS_POLICY : 0) | (verifier ? HEAD_VERIFIER : 0), 1)
  sink.uint(session.validAfter, 6)
  sink.uint(session.validUntil, 6)
  if (saltLength > 0) sink.uint(salt, saltLength)
  if (verifier) {
    sink.hex(session.signerVerifier)
    sink.uint(size(session.signer), 2)
  }
  sink.hex(session.signer)
  sink.uint(session.permissions.length, 1)
  for (const p of session.permissions) {
    sink.hex(p.target)
    sink.hex(p.selector)
    const valueLength = minimalBytes(p.valueLimit)
    const policy = BigInt(p.policy) !== 0n || size(p.policyConfig) > 0
    sink.uint(valueLength | (policy ? SHAPE_POLICY : 0), 1)
    if (valueLength > 0) sink.uint(p.valueLimit, valueLength)
    if (policy) {
      sink.hex(p.policy)
      sink.uint(size(p.policyConfig), 2)
      sink.hex(p.policyConfig)
    }
  }
  if (gas) {
    sink.hex(session.gasPolicy)
    sink.uint(size(session.gasPolicyConfig), 2)
    sink.hex(session.gasPolicyConfig)
  }
}

/**
 * The buffer the next digest writes its encoding into, kept from one digest to the next up to
 * {@link KEPT_BUFFER} bytes: 10^5 digests each in a new buffer spent ≈0.1 s more in garbage collection (a
 * buffer over 64 bytes lives outside V8's heap).
 */
let spareBuffer: Uint8Array = new Uint8Array(1024)
const KEPT_BUFFER = 1 << 16

/**
 * The encoding as bytes, for its digest: the fields written straight into a buffer, several times faster than
 * viem's keccak256 of the concatenated hex (keccak256Bytes.ts, hexBytes.ts).
 */
class EncodingBytes implements EncodingSink {
  length = 0
  /**
   * Whether a field had an odd number of digits (assertValidSession lets a config have one). viem reads the
   * concatenated hex of such an encoding with its nibbles shifted, so the digest is taken from that hex.
   */
  oddHex = false

  constructor(public bytes: Uint8Array) {}

  hex(field: Hex): void {
    if (field.length % 2 === 1) {
      this.oddHex = true
      return
    }
    // Room first: it may replace this.bytes.
    const at = this.reserve((field.length - 2) / 2)
    if (!decodeHexInto(field, this.bytes, at)) throw new Error(`session field ${field} is not hex`)
  }

  uint(value: number | bigint, bytes: number): void {
    const at = this.reserve(bytes)
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value >= 256 ** bytes) throw new Error(`${value} does not fit in ${bytes} bytes`)
      for (let i = at + bytes - 1, rest = value; i >= at; i--, rest = Math.floor(rest / 256)) this.bytes[i] = rest % 256
    } else {
      const digits = value.toString(16).padStart(2 * bytes, '0')
      if (value < 0n || digits.length > 2 * bytes) throw new Error(`${value} does not fit in ${bytes} bytes`)
      decodeHexInto(`0x${digits}`, this.bytes, at)
    }
  }

  /** Makes room for `bytes` more bytes; returns where they start. */
  private reserve(bytes: number): number {
    const at = this.length
    this.length += bytes
    if (this.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.length))
      grown.set(this.bytes.subarray(0, at))
      this.bytes = grown
    }
    return at
  }
}
