import { createPublicClient, custom, type Chain, type Client, type EIP1193RequestFn, type Transport } from 'viem'

/** Read methods that take a block, and where that parameter sits. */
const BLOCK_PARAMETER: Record<string, number> = { eth_call: 1, eth_getCode: 1, eth_getBalance: 1, eth_getStorageAt: 2 }
/** Answers remembered for one block at most (a chain whose blocks come only with transactions can sit on one block long). */
const MAX_ANSWERS = 10_000

export type RawBlock = { number: `0x${string}`; hash: `0x${string}` }

/**
 * The node's chain reads, pinned to one block and remembered for it. Every check of a signing request
 * fetches the latest block once, then makes every other read at that block, by its hash (EIP-1898): the
 * reads of one check are consistent with each other, and a read already made at that block (by an earlier
 * request, or for another session of the same batch) is answered from memory. State at a given block never
 * changes, so the memory holds exact answers; it is dropped when another block is pinned (a new one, or a
 * reorg's replacement at the same height). A block lower than the one pinned (an RPC behind a load balancer
 * that answered from a lagging backend) is not pinned: reads stay at the newer block.
 */
export class BlockPinnedReads {
  #block: RawBlock | undefined
  #answers = new Map<string, Promise<unknown>>()
  #chainId: Promise<unknown> | undefined
  #asking: Promise<RawBlock> | undefined
  #client: Client<Transport, Chain | undefined> | undefined

  constructor(private readonly base: Client<Transport, Chain | undefined>) {}

  /**
   * The chain's latest block, asked once for every check that starts while the question is out: concurrent
   * checks share one answer, fetched after the earliest of them began (no check reads a block older than its
   * own start minus one RPC round trip), instead of each asking the RPC.
   */
  latestBlock(): Promise<RawBlock> {
    this.#asking ??= (this.base.request({ method: 'eth_getBlockByNumber', params: ['latest', false] }) as unknown as Promise<RawBlock | null>)
      .then((latest) => {
        if (!latest) throw new Error('the RPC has no latest block')
        return latest
      })
      .finally(() => {
        this.#asking = undefined
      })
    return this.#asking
  }

  /** A client whose reads are pinned to the chain's latest block now. */
  async atLatestBlock(): Promise<Client<Transport, Chain | undefined>> {
    return this.pinnedAt(await this.latestBlock())
  }

  /**
   * A client whose reads are pinned to `latest`, or to the block pinned already if that one is newer: the
   * pinned block never goes back, so a check made after another never reads an older state than it did.
   */
  pinnedAt(latest: RawBlock): Client<Transport, Chain | undefined> {
    if (!this.#block || (latest.hash !== this.#block.hash && BigInt(latest.number) >= BigInt(this.#block.number))) {
      this.#block = latest
      this.#answers.clear()
      this.#client = undefined
    }
    // One client per pinned block (its answers are the block's).
    if (this.#client) return this.#client
    const block = this.#block
    const answers = this.#answers
    const request = (async ({ method, params }) => {
      if (method === 'eth_chainId') {
        this.#chainId ??= this.base.request({ method: 'eth_chainId' }).catch((error: unknown) => {
          this.#chainId = undefined
          throw error
        })
        return this.#chainId
      }
      if (method === 'eth_blockNumber') return block.number
      const args = [...((params as unknown[] | undefined) ?? [])]
      if (method === 'eth_getBlockByNumber' && (args[0] === 'latest' || args[0] === 'pending') && args[1] === false) return block
      const position = BLOCK_PARAMETER[method]
      if (position === undefined) return this.base.request({ method, params } as never)
      const given = args[position]
      if (given !== undefined && given !== 'latest' && given !== 'pending') return this.base.request({ method, params } as never)
      args[position] = { blockHash: block.hash }
      const key = `${method}:${JSON.stringify(args)}`
      let answer = answers.get(key)
      if (!answer) {
        if (answers.size >= MAX_ANSWERS) answers.clear()
        answer = this.base.request({ method, params: args } as never)
        answers.set(key, answer)
        // A failed read is not remembered.
        answer.catch(() => answers.get(key) === answer && answers.delete(key))
      }
      return answer
    }) as EIP1193RequestFn
    this.#client = createPublicClient({ chain: this.base.chain, transport: custom({ request }) })
    return this.#client
  }
}
