import { createPublicClient, custom, numberToHex, type Chain, type Client, type EIP1193RequestFn, type Transport } from 'viem'

/** Read methods whose last parameter is a block tag, and where that parameter sits. */
const BLOCK_PARAMETER: Record<string, number> = { eth_call: 1, eth_getCode: 1, eth_getBalance: 1, eth_getStorageAt: 2, eth_getBlockByNumber: 0 }

/**
 * The node's chain reads, pinned to one block and remembered for it. Every check of a signing request
 * asks for the latest block number once, then reads everything else at that block: the reads of one check
 * are consistent with each other, and a read already made at that block (by an earlier request, the
 * other session of a batch, or the commit before the share) is answered from memory. State at a given
 * block never changes, so the memory holds exact answers; it is dropped as soon as a new block appears.
 */
export class BlockPinnedReads {
  #block: bigint | undefined
  #answers = new Map<string, Promise<unknown>>()
  #chainId: Promise<unknown> | undefined

  constructor(private readonly base: Client<Transport, Chain | undefined>) {}

  /** A client whose reads are pinned to the chain's latest block now. */
  async atLatestBlock(): Promise<Client<Transport, Chain | undefined>> {
    const block = BigInt((await this.base.request({ method: 'eth_blockNumber' })) as string)
    if (block !== this.#block) {
      this.#block = block
      this.#answers.clear()
    }
    const tag = numberToHex(block)
    const answers = this.#answers
    const request = (async ({ method, params }) => {
      if (method === 'eth_chainId') return (this.#chainId ??= this.base.request({ method: 'eth_chainId' }))
      if (method === 'eth_blockNumber') return tag
      const position = BLOCK_PARAMETER[method]
      if (position === undefined) return this.base.request({ method, params } as never)
      const pinned = [...((params as unknown[] | undefined) ?? [])]
      const given = pinned[position]
      if (given !== undefined && given !== 'latest' && given !== 'pending') return this.base.request({ method, params } as never)
      pinned[position] = tag
      const key = `${method}:${JSON.stringify(pinned)}`
      let answer = answers.get(key)
      if (!answer) {
        answer = this.base.request({ method, params: pinned } as never)
        answers.set(key, answer)
        // A failed read is not remembered.
        answer.catch(() => answers.get(key) === answer && answers.delete(key))
      }
      return answer
    }) as EIP1193RequestFn
    return createPublicClient({ chain: this.base.chain, transport: custom({ request }) })
  }
}
