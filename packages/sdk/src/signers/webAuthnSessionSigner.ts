import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concat, concatBytes, encodeAbiParameters, hexToBytes, numberToHex, type Address, type Hex } from 'viem'
import { latchkeyModules } from '../deployments.ts'
import { LatchkeyError } from '../errors/LatchkeyError.ts'
import { p256CompactSignature, p256PublicKeyXY, p256SignerKey, type P256Verification } from './p256SignerKey.ts'
import { sessionMessageHash, type SessionSigner } from './sessionSigner.ts'
import { base64UrlOf, bytesFromBase64Url } from './base64Url.ts'

/** What an authenticator returns for `navigator.credentials.get`: the parts P256SignerVerifier checks. */
export type WebAuthnAssertion = {
  authenticatorData: Uint8Array
  clientDataJSON: Uint8Array
  /** The ECDSA P-256 signature, DER-encoded (as WebAuthn gives it). */
  signature: Uint8Array
}

export type WebAuthnAssertionRequest = {
  challenge: Uint8Array
  credentialId: Uint8Array
  rpId: string | undefined
  userVerification: 'required' | 'discouraged'
}

export type WebAuthnSessionSignerParameters = {
  /** The passkey: its credential id (base64url, as `PublicKeyCredential.id`, or raw bytes) and public key (SEC1 or SubjectPublicKeyInfo, as `response.getPublicKey()` gives at registration). */
  credential: { id: string | Uint8Array; publicKey: Hex | Uint8Array }
  /** The relying party id the passkey was made for; the browser's default (the page's domain) when omitted. */
  rpId?: string | undefined
  /**
   * `'required'` (default): every signature needs the user verified (biometrics or PIN), and the chain checks
   * the UV flag. `'discouraged'`: user presence only (a touch); the chain then checks only the UP flag.
   */
  userVerification?: 'required' | 'discouraged' | undefined
  /** How the chain checks the curve (see {@link P256Verification}). Default `'solidity'`: works on every chain. */
  verification?: P256Verification | undefined
  /** The P256SignerVerifier. Default: `latchkeyModules.p256SignerVerifier`. */
  verifier?: Address | undefined
  /** Gets an assertion; default: `navigator.credentials.get` (a browser). For other authenticators and tests. */
  getAssertion?: ((request: WebAuthnAssertionRequest) => Promise<WebAuthnAssertion>) | undefined
}

/** An assertion the signer will not send: it would fail on chain. Says which check failed. */
export class WebAuthnAssertionError extends LatchkeyError {
  override name = 'WebAuthnAssertionError'
  constructor(readonly check: 'challenge' | 'type' | 'user-presence' | 'user-verification' | 'signature' | 'format', problem: string) {
    super(`The passkey's assertion was not used (${check}): ${problem}`)
  }
}

const latin1 = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes)
const TYPE_GET = '"type":"webauthn.get"'
const CHALLENGE_KEY = '"challenge":"'
/** A realistic assertion's shape, so that an estimate with it costs what a real one does (calldata and hashing). */
const STUB_AUTHENTICATOR_DATA = Uint8Array.from({ length: 37 }, (_, i) => (i === 32 ? 0x05 : 0)) // UP and UV set
const STUB_CLIENT_DATA = `{"type":"webauthn.get","challenge":"${'A'.repeat(43)}","origin":"https://${'a'.repeat(24)}","crossOrigin":false}`

/** The verifier's WebAuthn signature: `abi.encode(r, s, challengeIndex, typeIndex, authenticatorData, clientDataJSON)`. */
function encodeAssertion(r: Hex, s: Hex, challengeIndex: number, typeIndex: number, authenticatorData: Uint8Array, clientDataJSON: Uint8Array): Hex {
  return encodeAbiParameters(
    [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }],
    [r, s, BigInt(challengeIndex), BigInt(typeIndex), bytesToHex(authenticatorData), bytesToHex(clientDataJSON)],
  )
}

/** The checks the chain makes, made first here, so that a bad assertion is a clear error rather than AA24. */
function checkAssertion(assertion: WebAuthnAssertion, challenge: Uint8Array, publicKeyXY: Hex, requireUV: boolean): { challengeIndex: number; typeIndex: number } {
  const text = latin1(assertion.clientDataJSON)
  const typeIndex = text.indexOf(TYPE_GET)
  if (typeIndex < 0) throw new WebAuthnAssertionError('type', 'clientDataJSON is not of type "webauthn.get"')
  const challengeIndex = text.indexOf(CHALLENGE_KEY)
  if (challengeIndex < 0 || !text.startsWith(`${CHALLENGE_KEY}${base64UrlOf(challenge)}"`, challengeIndex)) {
    throw new WebAuthnAssertionError('challenge', 'clientDataJSON does not carry this signature\'s challenge')
  }
  const flags = assertion.authenticatorData[32]
  if (assertion.authenticatorData.length < 37 || flags === undefined) throw new WebAuthnAssertionError('format', 'authenticatorData is shorter than 37 bytes')
  if ((flags & 0x01) === 0) throw new WebAuthnAssertionError('user-presence', 'the authenticator did not set the user-present flag')
  if (requireUV && (flags & 0x04) === 0) throw new WebAuthnAssertionError('user-verification', 'the session requires user verification and the authenticator did not verify the user')
  const message = sha256(concatBytes([assertion.authenticatorData, sha256(assertion.clientDataJSON)]))
  const valid = p256.verify(hexToBytes(p256CompactSignature(assertion.signature)), message, hexToBytes(concat(['0x04', publicKeyXY])), { prehash: false })
  if (!valid) throw new WebAuthnAssertionError('signature', 'the assertion is not signed by this passkey (another credential answered?)')
  return { challengeIndex, typeIndex }
}

/** The part of the browser's WebAuthn API used here (typed locally: the SDK builds without the DOM's types). */
type BrowserCredentials = {
  get(options: { publicKey: Record<string, unknown> }): Promise<{ response: { authenticatorData: ArrayBuffer; clientDataJSON: ArrayBuffer; signature: ArrayBuffer } } | null>
}

async function browserAssertion(request: WebAuthnAssertionRequest): Promise<WebAuthnAssertion> {
  const credentials = (globalThis as unknown as { navigator?: { credentials?: BrowserCredentials } }).navigator?.credentials
  if (credentials === undefined) throw new LatchkeyError('No WebAuthn here (navigator.credentials): pass `getAssertion` to use another authenticator.')
  const credential = await credentials.get({
    publicKey: {
      challenge: request.challenge,
      ...(request.rpId === undefined ? {} : { rpId: request.rpId }),
      allowCredentials: [{ type: 'public-key', id: request.credentialId }],
      userVerification: request.userVerification,
    },
  })
  if (credential === null) throw new WebAuthnAssertionError('format', 'the browser returned no credential')
  const { response } = credential
  return {
    authenticatorData: new Uint8Array(response.authenticatorData),
    clientDataJSON: new Uint8Array(response.clientDataJSON),
    signature: new Uint8Array(response.signature),
  }
}

/**
 * The session signer of a WebAuthn passkey: the session's signer is the passkey's P-256 public key, checked on
 * chain by P256SignerVerifier with the assertion's authenticator data and client data; each signature is an
 * assertion whose challenge is the EIP-191 hash of the session signing hash. Every signature asks the
 * authenticator (a touch, and by default the user verified).
 */
export function webAuthnSessionSigner(parameters: WebAuthnSessionSignerParameters): SessionSigner {
  const userVerification = parameters.userVerification ?? 'required'
  const requireUV = userVerification === 'required'
  const publicKeyXY = p256PublicKeyXY(parameters.credential.publicKey)
  const credentialId = typeof parameters.credential.id === 'string' ? bytesFromBase64Url(parameters.credential.id) : parameters.credential.id
  const getAssertion = parameters.getAssertion ?? browserAssertion
  return {
    verifier: parameters.verifier ?? latchkeyModules.p256SignerVerifier,
    key: p256SignerKey(parameters.credential.publicKey, { webAuthn: true, verification: parameters.verification ?? 'solidity', userVerified: requireUV }),
    async signSessionHash(signingHash) {
      const challenge = hexToBytes(sessionMessageHash(signingHash))
      const assertion = await getAssertion({ challenge, credentialId, rpId: parameters.rpId, userVerification })
      const { challengeIndex, typeIndex } = checkAssertion(assertion, challenge, publicKeyXY, requireUV)
      const compact = p256CompactSignature(assertion.signature)
      return encodeAssertion(`0x${compact.slice(2, 66)}`, `0x${compact.slice(66)}`, challengeIndex, typeIndex, assertion.authenticatorData, assertion.clientDataJSON)
    },
    stubSignature: encodeAssertion(
      numberToHex(1n, { size: 32 }),
      numberToHex(1n, { size: 32 }),
      STUB_CLIENT_DATA.indexOf(CHALLENGE_KEY),
      STUB_CLIENT_DATA.indexOf(TYPE_GET),
      STUB_AUTHENTICATOR_DATA,
      new TextEncoder().encode(STUB_CLIENT_DATA),
    ),
  }
}
