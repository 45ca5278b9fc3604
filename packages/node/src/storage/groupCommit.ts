/**
 * Group commit for a synchronous database: writes asked for in the same turn of the event loop run in one
 * transaction, so that one disk sync makes them all durable, and each caller's promise resolves (with its
 * statement's result) only once that transaction has committed. With one request in flight this is one
 * transaction per write, as before; with sixteen, one sync serves them all, where each used to block the
 * event loop for its own.
 */
export class GroupCommit {
  #queue: { run: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = []

  constructor(private readonly transaction: (work: () => void) => void) {}

  write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush())
      this.#queue.push({ run, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  #flush(): void {
    const batch = this.#queue
    this.#queue = []
    const results: unknown[] = []
    try {
      this.transaction(() => {
        for (const item of batch) results.push(item.run())
      })
    } catch (error) {
      // Nothing of the batch was committed: every caller is told.
      for (const item of batch) item.reject(error)
      return
    }
    batch.forEach((item, i) => item.resolve(results[i]))
  }
}
