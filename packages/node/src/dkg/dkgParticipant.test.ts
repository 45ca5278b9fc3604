/**
 * The DKG protocol layer of the signer node, in one process (the node service will carry these messages
 * over HTTP between processes): three participants reach one group key that signs, a relay that sees every
 * message cannot find a share in them, and tampering or a bad share names the participant responsible.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { secp256k1_FROST as frost } from '@noble/curves/secp256k1.js'
import { generateNodeIdentity, signBytes, type NodeIdentity } from '../identity/nodeIdentity.ts'
import { canonicalJson } from '@latchkey/sdk'
import { DkgMisbehaviourError, DkgParticipant, type DkgSetup, type Round1Body, type Round2Body, type SignedDkgMessage } from './dkgParticipant.ts'
import { encryptShare } from './shareEncryption.ts'

function network(min: number, max: number) {
  const identities: NodeIdentity[] = Array.from({ length: max }, () => generateNodeIdentity())
  const ids = identities.map((_, i) => frost.Identifier.fromNumber(i + 1))
  const setup: DkgSetup = { dkgId: randomBytes(16).toString('hex'), min, participants: ids.map((identifier, i) => ({ identifier, identity: identities[i]!.public })) }
  const parties = ids.map((id, i) => new DkgParticipant(identities[i]!, id, setup))
  return { identities, ids, setup, parties }
}

/** Runs the three rounds as a relay would: broadcast round 1, route round 2 by recipient. */
function run(parties: DkgParticipant[], tamper: { round2?: (messages: SignedDkgMessage<Round2Body>[]) => SignedDkgMessage<Round2Body>[] } = {}) {
  const round1 = parties.map((p) => p.round1())
  let round2 = parties.flatMap((p) => p.round2(round1))
  if (tamper.round2) round2 = tamper.round2(round2)
  const results = parties.map((p) => p.round3(round2))
  return { round1, round2, results }
}

describe('DKG between signer nodes (protocol layer)', () => {
  it('2-of-3: every node ends with the same group key, and any 2 of them sign for it', () => {
    const { ids, parties } = network(2, 3)
    const { round1, round2, results } = run(parties)
    const groupKeys = new Set(results.map((r) => r.result.body.groupPublicKey))
    assert.equal(groupKeys.size, 1)
    // What the relay saw holds no share: no decrypted share's bytes appear in any message.
    const transcript = JSON.stringify({ round1, round2, results: results.map((r) => r.result) })
    for (const { key } of results) assert.ok(!transcript.includes(Buffer.from(key.secret.signingShare).toString('hex')), 'a signing share is readable in the transcript')
    // Every pair of nodes signs, and the signature verifies under the group key.
    const message = new TextEncoder().encode('latchkey')
    const groupKey = new Uint8Array(Buffer.from([...groupKeys][0]!, 'hex'))
    for (const pair of [[0, 1], [0, 2], [1, 2]] as const) {
      const rounds = pair.map((i) => ({ i, ...frost.commit(results[i]!.key.secret) }))
      const commitments = rounds.map((r) => r.commitments)
      const shares = Object.fromEntries(rounds.map((r) => [ids[r.i]!, frost.signShare(results[r.i]!.key.secret, results[r.i]!.key.public, r.nonces, commitments, message)]))
      const signature = frost.aggregate(results[pair[0]]!.key.public, commitments, message, shares)
      assert.equal(frost.verify(signature, message, groupKey), true, `pair ${pair}`)
    }
  })

  it('names a participant whose round-2 message is altered in transit, or re-signed by another', () => {
    const { ids, parties } = network(2, 3)
    assert.throws(
      () =>
        run(parties, {
          round2: (messages) => messages.map((m) => (m.sender === ids[1] && m.body.recipient === ids[0] ? { ...m, body: { ...m.body, share: { ...m.body.share, ciphertext: `00${m.body.share.ciphertext.slice(2)}` } } } : m)),
        }),
      (error: unknown) => error instanceof DkgMisbehaviourError && error.participant === ids[1] && /not signed/.test(error.reason),
    )
  })

  it('names a participant that sends a share not matching its commitment (signed and encrypted correctly)', () => {
    const { identities, ids, setup, parties } = network(2, 3)
    const round1 = parties.map((p) => p.round1())
    const round2 = parties.flatMap((p) => p.round2(round1))
    // Participant 3 sends participant 1 a random share, properly encrypted and signed with its own identity.
    const forgedBody: Round2Body = { recipient: ids[0]!, share: encryptShare(randomBytes(32), identities[0]!.public, { dkgId: setup.dkgId, sender: ids[2]!, recipient: ids[0]! }) }
    const forged = signedBy(identities[2]!, setup.dkgId, 'round2', ids[2]!, forgedBody)
    const tampered = round2.map((m) => (m.sender === ids[2] && m.body.recipient === ids[0] ? forged : m))
    assert.throws(() => parties[0]!.round3(tampered), (error: unknown) => error instanceof DkgMisbehaviourError && error.participant === ids[2] && /does not match its round-1 commitment/.test(error.reason))
    // The others are unaffected by what participant 1 received.
    assert.doesNotThrow(() => parties[1]!.round3(round2))
  })

  it('names a participant whose round-1 package is missing or invalid', () => {
    const { identities, ids, setup, parties } = network(2, 3)
    const round1 = parties.map((p) => p.round1())
    assert.throws(() => parties[0]!.round2(round1.filter((m) => m.sender !== ids[2])), (error: unknown) => error instanceof DkgMisbehaviourError && error.participant === ids[2] && /missing/.test(error.reason))
    // Participant 2 broadcasts participant 3's proof of knowledge as its own (signed by itself): invalid.
    const copied: Round1Body = { ...round1[1]!.body, proofOfKnowledge: round1[2]!.body.proofOfKnowledge }
    const bad = round1.map((m) => (m.sender === ids[1] ? signedBy(identities[1]!, setup.dkgId, 'round1', ids[1]!, copied) : m))
    const fresh = new DkgParticipant(identities[0]!, ids[0]!, setup)
    fresh.round1()
    assert.throws(() => fresh.round2(bad), (error: unknown) => error instanceof DkgMisbehaviourError && error.participant === ids[1] && /round-1 package is invalid/.test(error.reason))
  })
})

/** A DKG message signed by `identity` as the node does (for tests that play a misbehaving node). */
function signedBy<Body>(identity: NodeIdentity, dkgId: string, round: string, sender: string, body: Body): SignedDkgMessage<Body> {
  return { sender, body, signature: signBytes(identity, new TextEncoder().encode(canonicalJson({ dkgId, round, sender, body }))) }
}
