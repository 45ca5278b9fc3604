import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeAbiParameters, slice, toFunctionSelector, toHex, type Address } from 'viem'
import { accountKindFromId, accountLayouts } from './accountLayout.ts'

const validator: Address = '0x1111111111111111111111111111111111111111'

describe('account layouts', () => {
  it('knows the accounts by their ERC-7579 accountId, and takes any other for the OpenZeppelin layout', () => {
    assert.equal(accountKindFromId('latchkey.account.0.1.0'), 'latchkey')
    assert.equal(accountKindFromId('latchkey.account7702.0.1.0'), 'latchkey')
    assert.equal(accountKindFromId('biconomy.nexus.1.0.0'), 'nexus')
    assert.equal(accountKindFromId('uMSA.advanced/withHook.v0.1'), 'msa')
    assert.equal(accountKindFromId('rhinestone.safe7579.v1.0.0'), 'safe7579')
    assert.equal(accountKindFromId('kernel.advanced.v0.3.1'), 'kernel')
    assert.equal(accountKindFromId('@openzeppelin/contracts.AccountERC7579.v1.0.0'), 'erc7579')
  })

  it('selects a validator by nonce key as each account reads it', () => {
    // OpenZeppelin layout (LatchkeyAccount, MSA, Safe7579): validator (20) ‖ key (4).
    for (const kind of ['latchkey', 'msa', 'safe7579', 'erc7579'] as const) {
      assert.equal(toHex(accountLayouts[kind].nonceKey(validator, 0x01020304n), { size: 24 }), `${validator}01020304`)
    }
    // Nexus: the key in the 3 bytes the account leaves unused, mode 0, the validator; the key cut to 3 bytes.
    assert.equal(toHex(accountLayouts.nexus.nonceKey(validator, 0x01020304n), { size: 24 }), `0x02030400${validator.slice(2)}`)
    // Kernel: mode 0 ‖ type 1 (validator) ‖ validator (20) ‖ key (2), the key cut to its 2 bytes.
    assert.equal(toHex(accountLayouts.kernel.nonceKey(validator, 0x01020304n), { size: 24 }), `0x0001${validator.slice(2)}0304`)
  })

  it('wraps a validator install data for Kernel (no hook, execute only) and passes it through elsewhere', () => {
    const root = '0xabababababababababababababababababababababababababababababababab'
    assert.equal(accountLayouts.latchkey.validatorInstallData(root), root)
    const kernel = accountLayouts.kernel.validatorInstallData(root)
    assert.equal(slice(kernel, 0, 20), '0x0000000000000000000000000000000000000001')
    const [validatorData, hookData, selectorData] = decodeAbiParameters([{ type: 'bytes' }, { type: 'bytes' }, { type: 'bytes' }], slice(kernel, 20))
    assert.deepEqual([validatorData, hookData, selectorData], [root, '0x', toFunctionSelector('execute(bytes32,bytes)')])
  })

  it('says which account hides a validator revert (Safe7579 only)', () => {
    assert.deepEqual(
      Object.values(accountLayouts).filter((l) => l.hidesValidatorRevert).map((l) => l.kind),
      ['safe7579'],
    )
  })
})
