/**
 * A static check of the deployed bytecode of every contract that runs during validation: ERC-7562 OP-012
 * allows GAS only immediately before a *CALL. The via-IR compiler may schedule other instructions
 * between them in a high-level call (it did, for the manager's policy calls); the trace-based checker in
 * test/erc7562.test.ts catches it on the paths it runs, this catches it on every path.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from 'viem'
import {
  callPolicyBytecode,
  erc20PolicyBytecode,
  frostSignerVerifierBytecode,
  gasPolicyBytecode,
  latchkeyAccountBytecode,
  ownerValidatorBytecode,
  multichainApprovalValidatorBytecode,
  p256SignerVerifierBytecode,
  sessionKeyManagerBytecode,
  usageLimitPolicyBytecode,
  streamPolicyBytecode,
} from '../generated/index.ts'

const GAS = 0x5a
const CALLS = new Set([0xf1, 0xf2, 0xf4, 0xfa]) // CALL, CALLCODE, DELEGATECALL, STATICCALL

/** Offsets of GAS opcodes not followed by a call, skipping PUSH data. */
export function looseGasOpcodes(bytecode: Hex): number[] {
  const code = Buffer.from(bytecode.slice(2), 'hex')
  const loose: number[] = []
  for (let pc = 0; pc < code.length; pc++) {
    const op = code[pc]!
    if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f
    else if (op === GAS && !CALLS.has(code[pc + 1] ?? 0)) loose.push(pc)
  }
  return loose
}

describe('OP-012 in the bytecode of validation-path contracts', () => {
  const contracts = {
    SessionKeyManager: sessionKeyManagerBytecode,
    CallPolicy: callPolicyBytecode,
    Erc20Policy: erc20PolicyBytecode,
    GasPolicy: gasPolicyBytecode,
    UsageLimitPolicy: usageLimitPolicyBytecode,
    StreamPolicy: streamPolicyBytecode,
    FrostSignerVerifier: frostSignerVerifierBytecode,
    P256SignerVerifier: p256SignerVerifierBytecode,
    OwnerValidator: ownerValidatorBytecode,
    MultichainApprovalValidator: multichainApprovalValidatorBytecode,
    LatchkeyAccount: latchkeyAccountBytecode,
  }
  for (const [name, bytecode] of Object.entries(contracts)) {
    it(`${name}: every GAS is immediately followed by a call`, () => {
      assert.deepEqual(looseGasOpcodes(bytecode), [])
    })
  }

  it('the check finds a GAS that is not (a control)', () => {
    // PUSH1 0x20, GAS, PUSH1 0x00, CALL — and a 0x5a inside PUSH data, which is not an opcode.
    assert.deepEqual(looseGasOpcodes('0x60205a600060005af1605a'), [2])
  })
})
