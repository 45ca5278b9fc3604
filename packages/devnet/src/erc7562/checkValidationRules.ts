import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { encodeFunctionData, hexToBigInt, keccak256, pad, size, slice, type Address, type Chain, type Client, type Hex, type Transport } from 'viem'
import { entryPoint07Address, toPackedUserOperation, type UserOperation } from 'viem/account-abstraction'
import { validationTracer } from './validationTracer.ts'

const require = createRequire(import.meta.url)

/** One ERC-7562 rule broken during validation, with where it happened. */
export type ValidationViolation = { rule: string; address: Address; detail: string }

export type CheckValidationRulesParameters = {
  userOperation: UserOperation<'0.7'>
  /** Whether the factory in `initCode` is staked (ERC-7562 STO-022). The account is treated as unstaked. */
  factoryStaked?: boolean | undefined
  /**
   * Whether the network has the P-256 precompile at 0x100 (EIP-7951, or RIP-7212 on a rollup): OP-062 then
   * allows calls to it too. Default false: only 0x01–0x09.
   */
  p256Precompile?: boolean | undefined
}

type TraceEvent =
  | { kind: 'storage'; op: string; depth: number; address: string; slot: string }
  | { kind: 'call'; op: string; depth: number; address: string; target: string; value: string; selector: string; hasCode: boolean }
  | { kind: 'extcode'; op: string; depth: number; address: string; target: string; hasCode: boolean }
  | { kind: 'opcode'; op: string; depth: number; address: string }

const simulationsAbi = [
  {
    type: 'function',
    name: 'simulateValidation',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'userOp',
        type: 'tuple',
        components: [
          { name: 'sender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'initCode', type: 'bytes' },
          { name: 'callData', type: 'bytes' },
          { name: 'accountGasLimits', type: 'bytes32' },
          { name: 'preVerificationGas', type: 'uint256' },
          { name: 'gasFees', type: 'bytes32' },
          { name: 'paymasterAndData', type: 'bytes' },
          { name: 'signature', type: 'bytes' },
        ],
      },
    ],
    outputs: [],
  },
] as const

/** Precompiles ERC-7562 allows (OP-062): 0x01–0x09, and P256VERIFY (0x100) where the network has it. */
const isAllowedPrecompile = (target: bigint, p256: boolean) => (target >= 1n && target <= 9n) || (p256 && target === 0x100n)
/** ERC-7562: a slot within this distance of `keccak(account ‖ …)` is associated with the account. */
const ASSOCIATED_SPAN = 128n

function simulationsCode(): Hex {
  const path = require.resolve('@account-abstraction/contracts/artifacts/EntryPointSimulations.json')
  return (JSON.parse(readFileSync(path, 'utf8')) as { deployedBytecode: Hex }).deployedBytecode
}

/**
 * Traces the validation of `userOperation` (EntryPoint v0.7's `simulateValidation`, run through anvil's
 * `debug_traceCall` with the simulation code put at the EntryPoint's address) and returns every ERC-7562 rule
 * it breaks, treating the account as **unstaked**:
 * - OP-011/012/080: banned opcodes (TIMESTAMP, NUMBER, BALANCE, … and GAS not followed by a call);
 * - OP-031: CREATE2 only once, by the factory, for the sender;
 * - OP-041/062: calls and EXTCODE* only to addresses with code (the sender excepted while it is created)
 *   and precompiles 0x01–0x09 (and 0x100 when `p256Precompile` says the network has it);
 * - OP-054/061: the EntryPoint reached only through `depositTo(sender)` or a value transfer; no value sent
 *   elsewhere;
 * - STO-010/021/022: storage only the account's own, or slots associated with it (the account's address,
 *   or within 128 slots of `keccak256` of a preimage that starts with the account), and in the account's
 *   first userOp only if the factory is staked (a staked factory may also use its own storage).
 *
 * The EntryPoint's own code is not checked. Works on anvil (JavaScript tracers); not a substitute for a
 * bundler's full checks (reputation, code hashes between two simulations).
 */
export async function checkValidationRules(
  client: Client<Transport, Chain | undefined>,
  { userOperation, factoryStaked = false, p256Precompile = false }: CheckValidationRulesParameters,
): Promise<ValidationViolation[]> {
  const packed = toPackedUserOperation(userOperation)
  const entryPoint = entryPoint07Address.toLowerCase()
  const sender = userOperation.sender.toLowerCase()
  const factory = userOperation.factory?.toLowerCase()
  const firstOp = factory !== undefined && factory !== '0x'
  const trace = (await client.request({
    method: 'debug_traceCall' as 'eth_call',
    params: [
      { to: entryPoint07Address, data: encodeFunctionData({ abi: simulationsAbi, functionName: 'simulateValidation', args: [packed] }), gas: '0x1c9c380' },
      'latest',
      { tracer: validationTracer, stateOverrides: { [entryPoint07Address]: { code: simulationsCode() } } },
    ] as never,
  })) as unknown as { events: TraceEvent[]; keccaks: Hex[]; error: string | null }

  // Slots associated with the sender: keccak256 of every preimage that starts with the padded sender.
  const paddedSender = pad(sender as Hex).toLowerCase()
  const associatedBases = trace.keccaks
    .filter((preimage) => size(preimage) >= 32 && slice(preimage, 0, 32).toLowerCase() === paddedSender)
    .map((preimage) => hexToBigInt(keccak256(preimage)))
  const isAssociated = (slot: bigint) => slot === hexToBigInt(sender as Hex) || associatedBases.some((base) => slot >= base && slot - base <= ASSOCIATED_SPAN)

  const violations: ValidationViolation[] = []
  const add = (rule: string, address: string, detail: string) => violations.push({ rule, address: address as Address, detail })
  let create2Seen = false
  for (const event of trace.events) {
    const here = event.address.toLowerCase()
    if (here === entryPoint) continue // the EntryPoint's own work is not an entity's
    switch (event.kind) {
      case 'opcode': {
        if (event.op === 'CREATE2' && factory && here === factory && !create2Seen) {
          create2Seen = true
          break
        }
        add(event.op === 'GAS' ? 'OP-012' : event.op.startsWith('CREATE') ? 'OP-031' : 'OP-011', here, `uses ${event.op}`)
        break
      }
      case 'call': {
        const target = event.target.toLowerCase()
        const targetNumber = hexToBigInt(target as Hex)
        if (target === entryPoint) {
          const depositForSender = event.selector === '0xb760faf9' // depositTo(address)
          const valueFromSender = here === sender && event.value !== '0' && event.selector === '0x'
          if (!depositForSender && !valueFromSender) add('OP-054', here, `calls the EntryPoint (${event.selector})`)
          break
        }
        if (event.value !== '0') add('OP-061', here, `sends ${event.value} wei to ${target}`)
        if (isAllowedPrecompile(targetNumber, p256Precompile)) break
        if (targetNumber <= 0x1ffn) {
          add('OP-062', here, `calls precompile ${target}`)
          break
        }
        if (!event.hasCode && !(firstOp && target === sender)) add('OP-041', here, `${event.op} to ${target}, which has no code`)
        break
      }
      case 'extcode': {
        const target = event.target.toLowerCase()
        if (!event.hasCode && target !== sender && target !== entryPoint) add('OP-041', here, `${event.op} of ${target}, which has no code`)
        break
      }
      case 'storage': {
        const slot = hexToBigInt(event.slot as Hex)
        if (here === sender) break // STO-010
        if (factoryStaked && factory && here === factory) break // STO-031: a staked entity's own storage
        if (!isAssociated(slot)) {
          add('STO-021', here, `${event.op} of slot ${event.slot}, which is not associated with the account`)
        } else if (firstOp && !factoryStaked) {
          add('STO-022', here, `${event.op} of an associated slot in the account's first userOp, with an unstaked factory`)
        }
        break
      }
    }
  }
  return violations
}
