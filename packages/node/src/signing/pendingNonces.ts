/**
 * Signing nonces a node committed to and has not used yet: in memory only, so a restart can never reuse
 * one. Bounded two ways, so that no client can push out another's: each key holds at most `perKey` (past
 * that, that key's own oldest are forgotten), and the node at most `total` (past that, expired ones are
 * swept, and if it is still full a new commitment is refused, `NodeBusyError`, rather than another key's
 * forgotten). A nonce lives `lifetimeMs`.
 */
export class NodeBusyError extends Error {
  override name = 'NodeBusyError'
}

export class PendingNonces<Nonce> {
  readonly #entries = new Map<string, { groupPublicKey: string; createdAt: number; nonce: Nonce }>()
  readonly #perKeyCount = new Map<string, number>()

  constructor(private readonly limits: { perKey: number; total: number; lifetimeMs: number }) {}

  add(groupPublicKey: string, id: string, nonce: Nonce): void {
    // The key's own oldest first (replacing it takes no room), then room in the node.
    if ((this.#perKeyCount.get(groupPublicKey) ?? 0) >= this.limits.perKey) {
      for (const [oldest, entry] of this.#entries) {
        if (entry.groupPublicKey !== groupPublicKey) continue
        this.delete(oldest)
        break
      }
    }
    if (this.#entries.size >= this.limits.total) this.#sweep()
    if (this.#entries.size >= this.limits.total) throw new NodeBusyError(`this node holds ${this.limits.total} unused commitments: try again later`)
    this.#entries.set(id, { groupPublicKey, createdAt: Date.now(), nonce })
    this.#perKeyCount.set(groupPublicKey, (this.#perKeyCount.get(groupPublicKey) ?? 0) + 1)
  }

  /** The nonce committed under `id` for this key, if it is still held and not expired. */
  get(groupPublicKey: string, id: string): Nonce | undefined {
    const entry = this.#entries.get(id)
    if (!entry || entry.groupPublicKey !== groupPublicKey) return undefined
    if (Date.now() - entry.createdAt > this.limits.lifetimeMs) {
      this.delete(id)
      return undefined
    }
    return entry.nonce
  }

  delete(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) return
    this.#entries.delete(id)
    const left = (this.#perKeyCount.get(entry.groupPublicKey) ?? 1) - 1
    if (left > 0) this.#perKeyCount.set(entry.groupPublicKey, left)
    else this.#perKeyCount.delete(entry.groupPublicKey)
  }

  #sweep(): void {
    const now = Date.now()
    for (const [id, entry] of this.#entries) if (now - entry.createdAt > this.limits.lifetimeMs) this.delete(id)
  }
}
