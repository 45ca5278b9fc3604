import { secp256k1, secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { signBytes, verifyBytes, type NodeIdentity, type NodePublicIdentity } from '../identity/nodeIdentity.ts'
import { canonicalJson } from '@latchkey/sdk'
import { decryptShare, encryptShare, type EncryptedShare } from './shareEncryption.ts'

/**
 * One node's part in a FROST(secp256k1, SHA-256) distributed key generation (the three rounds of
 * @noble/curves' DKG), with what the network around it needs:
 * - every message a node broadcasts is signed by its Ed25519 identity, over the DKG id, the round, the
 *   sender and the body, so the transcript is authenticated node to node whoever relays it;
 * - round-2 shares travel encrypted to their recipient's X25519 key: the relay (the SDK) cannot read one,
 *   and no party but the recipient ever holds a share; the group secret is never assembled anywhere;
 * - every received share is checked against its sender's round-1 commitment, and a bad one names its sender.
 */

/** A participant as everyone pins it: its FROST identifier and its public identity. */
export type DkgParticipantInfo = { identifier: string; identity: NodePublicIdentity }

/** One DKG: a fresh id, the threshold, every participant (max = their number). */
export type DkgSetup = { dkgId: string; min: number; participants: DkgParticipantInfo[] }

/** A message body, its sender, and the sender's signature over both (and the DKG id and round). */
export type SignedDkgMessage<Body> = { sender: string; body: Body; signature: string }

export type Round1Body = { commitment: string[]; proofOfKnowledge: string }
export type Round2Body = { recipient: string; share: EncryptedShare }
export type ResultBody = { groupPublicKey: string; verifyingShare: string }

/** What a participant keeps: its FROST key package (its share and the group's public data). */
export type DkgKey = ReturnType<typeof frost.DKG.round3>

/** A participant that did not follow the protocol: a message it sent is missing, unsigned or wrong. */
export class DkgMisbehaviourError extends Error {
  override name = 'DkgMisbehaviourError'
  constructor(
    readonly participant: string,
    readonly reason: string,
  ) {
    super(`DKG participant ${participant} misbehaved: ${reason}`)
  }
}

const Fn = secp256k1.Point.Fn
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const bytes = (value: string) => new Uint8Array(Buffer.from(value, 'hex'))

const signedBytes = (dkgId: string, round: string, sender: string, body: unknown) => new TextEncoder().encode(canonicalJson({ dkgId, round, sender, body }))

export class DkgParticipant {
  readonly #identity: NodeIdentity
  readonly #setup: DkgSetup
  readonly #me: string
  #secret: ReturnType<typeof frost.DKG.round1>['secret'] | undefined
  #round1: Map<string, Round1Body> | undefined
  readonly #sendsBadShares: boolean

  /** `options.sendBadShares` (tests only: the `bad-dkg-share` fault) makes this participant lie in round 2. */
  constructor(identity: NodeIdentity, identifier: string, setup: DkgSetup, options: { sendBadShares?: boolean } = {}) {
    const ids = setup.participants.map((p) => p.identifier)
    if (new Set(ids).size !== ids.length) throw new Error('the DKG setup names a participant twice')
    if (!ids.includes(identifier)) throw new Error(`participant ${identifier} is not in the DKG setup`)
    const mine = setup.participants.find((p) => p.identifier === identifier)!
    if (mine.identity.signingKey !== identity.public.signingKey) throw new Error('the DKG setup pins another identity for this node')
    if (!(setup.min >= 2 && setup.min <= ids.length)) throw new Error(`threshold ${setup.min} of ${ids.length} participants`)
    this.#identity = identity
    this.#setup = setup
    this.#me = identifier
    this.#sendsBadShares = options.sendBadShares ?? false
  }

  #sign<Body>(round: string, body: Body): SignedDkgMessage<Body> {
    return { sender: this.#me, body, signature: signBytes(this.#identity, signedBytes(this.#setup.dkgId, round, this.#me, body)) }
  }

  /** The messages of `round` from every other participant, each checked: known sender, once, signed by it. */
  #authenticated<Body>(round: string, messages: readonly SignedDkgMessage<Body>[]): Map<string, Body> {
    const byId = new Map<string, Body>()
    for (const message of messages) {
      const sender = this.#setup.participants.find((p) => p.identifier === message.sender)
      if (!sender || message.sender === this.#me) continue
      if (!verifyBytes(sender.identity, signedBytes(this.#setup.dkgId, round, message.sender, message.body), message.signature)) {
        throw new DkgMisbehaviourError(message.sender, `its ${round} message is not signed by its identity`)
      }
      if (byId.has(message.sender)) throw new DkgMisbehaviourError(message.sender, `it sent two ${round} messages`)
      byId.set(message.sender, message.body)
    }
    for (const p of this.#setup.participants) {
      if (p.identifier !== this.#me && !byId.has(p.identifier)) throw new DkgMisbehaviourError(p.identifier, `its ${round} message is missing`)
    }
    return byId
  }

  /** Round 1: this node's commitment and proof of knowledge, signed, for every other participant. */
  round1(): SignedDkgMessage<Round1Body> {
    if (this.#secret) throw new Error('round 1 was already run')
    const { public: broadcast, secret } = frost.DKG.round1(this.#me, { min: this.#setup.min, max: this.#setup.participants.length })
    this.#secret = secret
    return this.#sign('round1', { commitment: broadcast.commitment.map(hex), proofOfKnowledge: hex(broadcast.proofOfKnowledge) })
  }

  #round1Packages() {
    return [...this.#round1!].map(([identifier, body]) => ({ identifier, commitment: body.commitment.map(bytes), proofOfKnowledge: bytes(body.proofOfKnowledge) }))
  }

  /** Round 2: given everyone's round-1 messages, one encrypted share per other participant, each signed. */
  round2(round1: readonly SignedDkgMessage<Round1Body>[]): SignedDkgMessage<Round2Body>[] {
    if (!this.#secret || this.#round1) throw new Error('round 2 runs once, after round 1')
    this.#round1 = this.#authenticated('round1', round1)
    let shares: ReturnType<typeof frost.DKG.round2>
    try {
      shares = frost.DKG.round2(this.#secret, this.#round1Packages())
    } catch (error) {
      // The library stops at the first bad package without saying whose: check each one alone against a
      // throwaway round-1 state, so that the culprit is named.
      const signers = { min: this.#setup.min, max: this.#setup.participants.length }
      for (const pkg of this.#round1Packages()) {
        try {
          frost.DKG.round2(frost.DKG.round1(this.#me, signers).secret, [pkg])
        } catch (reason) {
          throw new DkgMisbehaviourError(pkg.identifier, `its round-1 package is invalid (${(reason as Error).message})`)
        }
      }
      throw error
    }
    return this.#setup.participants
      .filter((p) => p.identifier !== this.#me)
      .map((p) => {
        const share = shares[p.identifier]
        if (!share) throw new Error(`no share for participant ${p.identifier}`)
        const sent = this.#sendsBadShares ? Fn.toBytes(Fn.add(Fn.fromBytes(share.signingShare), 1n)) : share.signingShare
        const encrypted = encryptShare(sent, p.identity, { dkgId: this.#setup.dkgId, sender: this.#me, recipient: p.identifier })
        return this.#sign('round2', { recipient: p.identifier, share: encrypted })
      })
  }

  /**
   * Round 3: given the round-2 messages addressed to this node, its key package. Each share is decrypted
   * and checked against its sender's commitment (share·G = Σ C_k · id^k); a share that does not decrypt or
   * does not match names its sender.
   */
  round3(round2: readonly SignedDkgMessage<Round2Body>[]): { key: DkgKey; result: SignedDkgMessage<ResultBody> } {
    if (!this.#secret || !this.#round1) throw new Error('round 3 runs after round 2')
    const mine = round2.filter((message) => message.body.recipient === this.#me)
    const received = this.#authenticated('round2', mine)
    const x = BigInt(`0x${this.#me}`)
    const n = secp256k1.Point.Fn.ORDER
    const packages = [...received].map(([sender, body]) => {
      const share = decryptShare(body.share, this.#identity, { dkgId: this.#setup.dkgId, sender, recipient: this.#me })
      if (!share || share.length !== 32) throw new DkgMisbehaviourError(sender, 'its share does not decrypt for this node and this DKG')
      const commitment = this.#round1!.get(sender)!.commitment.map((c) => secp256k1.Point.fromBytes(bytes(c)))
      let expected = secp256k1.Point.ZERO
      let power = 1n
      for (const point of commitment) {
        expected = expected.add(point.multiply(power))
        power = (power * x) % n
      }
      const scalar = BigInt(`0x${hex(share)}`)
      if (scalar === 0n || scalar >= n || !secp256k1.Point.BASE.multiply(scalar).equals(expected)) {
        throw new DkgMisbehaviourError(sender, 'its share does not match its round-1 commitment')
      }
      return { identifier: sender, signingShare: share }
    })
    const key = frost.DKG.round3(this.#secret, this.#round1Packages(), packages)
    frost.DKG.clean(this.#secret)
    this.#secret = undefined
    const result = this.#sign('result', { groupPublicKey: hex(key.public.commitments[0]!), verifyingShare: hex(key.public.verifyingShares[this.#me]!) })
    return { key, result }
  }
}
