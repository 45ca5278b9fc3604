/** A key share a node holds for one group, as stored: the sealed key package and who may ask for signatures. */
export type StoredKey = {
  groupPublicKey: string
  identifier: string
  min: number
  max: number
  /** The FROST key package (secret share and group data), sealed with the node key. */
  sealedPackage: string
  /** The session holder's client credential (an address whose signature every signing request carries). */
  client: string
  createdAt: number
}

/**
 * What a node promised for one op it released a signature share for, until the op lands or can no longer
 * land: the op's sender and full nonce (one op per nonce can land, so one reservation per nonce), the end
 * of the op's window in seconds (0 = none), and what it adds to each counter (JSON, amounts as decimal strings).
 */
export type StoredReservation = { sender: string; nonce: string; validUntil: number; counters: string }

/**
 * What a signer node keeps durably. Writes are durable when they return (a crash right after cannot lose
 * them). Every secret is sealed by the caller before it reaches the store.
 */
export interface NodeStore {
  getSealed(name: string): Promise<string | undefined>
  putSealed(name: string, value: string): Promise<void>
  saveKey(key: StoredKey): Promise<void>
  getKey(groupPublicKey: string): Promise<StoredKey | undefined>
  /** Marks a signing nonce used; false when it already was (never sign with it again). */
  markNonceUsed(id: string): Promise<boolean>
  /** Remembers a request nonce until `expiresAt` (seconds); false when it was seen (a replay). */
  rememberRequest(nonce: string, expiresAt: number): Promise<boolean>
  /** Keeps a reservation, replacing the one for the same sender and nonce. */
  saveReservation(reservation: StoredReservation): Promise<void>
  /** The sender's reservations. */
  reservations(sender: string): Promise<StoredReservation[]>
  /** Drops the sender's reservations for these nonces (landed, or their nonce consumed, or their window over). */
  deleteReservations(sender: string, nonces: readonly string[]): Promise<void>
  close(): Promise<void>
}
