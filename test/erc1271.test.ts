/**
 * ERC-1271 for the reference account: the owner signs under ERC-7739 (bound to the account and the chain);
 * an installed validator module (the OwnerValidator) answers when the signature names it.
 */
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { createWalletClient, http, concat, encodeFunctionData, hashMessage, hashTypedData, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { latchkeyAccountAbi, demoCounterAbi, ownerValidatorAbi } from '@latchkey/contracts'
import { acceptAllValidatorAbi, acceptAllValidatorBytecode } from '@latchkey/contracts/testing'
import { sendUserOperationAndWait, toLatchkeyAccount, type ToLatchkeyAccountParameters } from '@latchkey/sdk'
import { signMessage as signErc7739Message } from 'viem/experimental/erc7739'
import { useDevnet, type DevnetFixture } from './fixtures/devnet.ts'

const MAGIC = '0x1626ba7e'
const INVALID = '0xffffffff'

let devnet: DevnetFixture
before(async () => {
  devnet = await useDevnet()
})

async function deployedAccount(overrides: Partial<ToLatchkeyAccountParameters> = {}) {
  const account = await toLatchkeyAccount({
    client: devnet.publicClient,
    owner: overrides.owner ?? privateKeyToAccount(generatePrivateKey()),
    factory: devnet.contracts.accountFactory,
    ...overrides,
  })
  await devnet.fund(account.address)
  await sendUserOperationAndWait(devnet.bundlerClient, {
    account,
    calls: [{ to: devnet.contracts.demoCounter, data: encodeFunctionData({ abi: demoCounterAbi, functionName: 'count' }) }],
  })
  return account
}

const isValid = (account: Address, hash: Hex, signature: Hex) =>
  devnet.publicClient.readContract({ address: account, abi: latchkeyAccountAbi, functionName: 'isValidSignature', args: [hash, signature] })

const mail = {
  domain: { name: 'Mailbox', version: '1', chainId: 31_337, verifyingContract: '0x00000000000000000000000000000000000000aa' as Address },
  types: { Mail: [{ name: 'to', type: 'address' }, { name: 'contents', type: 'string' }] },
  primaryType: 'Mail' as const,
  message: { to: '0x00000000000000000000000000000000000000bb' as Address, contents: 'hello' },
}

describe('owner signatures under ERC-1271 (ERC-7739)', () => {
  it('accepts the owner signing a message (nested personal sign)', async () => {
    const account = await deployedAccount()
    const signature = await account.signMessage({ message: 'latchkey' })
    assert.equal(await isValid(account.address, hashMessage('latchkey'), signature), MAGIC)
    assert.equal(await devnet.publicClient.verifyMessage({ address: account.address, message: 'latchkey', signature }), true)
  })

  it('accepts the owner signing typed data (nested typed data) and rejects it for other contents', async () => {
    const account = await deployedAccount()
    const signature = await account.signTypedData(mail)
    assert.equal(await isValid(account.address, hashTypedData(mail), signature), MAGIC)
    const other = hashTypedData({ ...mail, message: { ...mail.message, contents: 'goodbye' } })
    assert.equal(await isValid(account.address, other, signature), INVALID)
  })

  it('rejects a signature by another key made for this account', async () => {
    const account = await deployedAccount()
    const stranger = privateKeyToAccount(generatePrivateKey())
    const signature = await signErc7739Message(devnet.publicClient, {
      account: stranger,
      message: 'latchkey',
      verifierDomain: { name: 'LatchkeyAccount', version: '1', chainId: devnet.chainId, verifyingContract: account.address },
    })
    assert.equal(await isValid(account.address, hashMessage('latchkey'), signature), INVALID)
  })

  it('signs in the domain the account reports (eip712Domain), so offline signing stays in step', async () => {
    const account = await deployedAccount()
    const { domain } = await devnet.publicClient.getEip712Domain({ address: account.address })
    assert.deepEqual(
      { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
      { name: 'LatchkeyAccount', version: '1', chainId: devnet.chainId, verifyingContract: account.address },
    )
  })

  it('does not let a signature made for one account of an owner pass on another account of the same owner', async () => {
    const owner = privateKeyToAccount(generatePrivateKey())
    const first = await deployedAccount({ owner })
    const second = await deployedAccount({ owner, salt: 1n })
    const signature = await first.signMessage({ message: 'pay 100' })
    assert.equal(await isValid(first.address, hashMessage('pay 100'), signature), MAGIC)
    assert.equal(await isValid(second.address, hashMessage('pay 100'), signature), INVALID)
  })

  it('rejects a plain owner ECDSA signature of the hash (not bound to the account)', async () => {
    const account = await deployedAccount()
    const hash = hashMessage('latchkey')
    const plain = await account.owner.sign!({ hash })
    assert.equal(await isValid(account.address, hash, plain), INVALID)
    const personal = await account.owner.signMessage({ message: 'latchkey' })
    assert.equal(await isValid(account.address, hash, personal), INVALID)
  })

  it('answers the ERC-7739 support probe', async () => {
    const account = await deployedAccount()
    assert.equal(await isValid(account.address, `0x${'7739'.repeat(16)}`, '0x'), '0x77390001')
  })
})

describe('module signatures under ERC-1271 (OwnerValidator)', () => {
  it('routes a signature prefixed with an installed validator to it, bound to the account', async () => {
    const account = await deployedAccount({ ownerValidator: devnet.contracts.ownerValidator })
    const hash = hashMessage('via module')
    const digest = await devnet.publicClient.readContract({
      address: devnet.contracts.ownerValidator,
      abi: ownerValidatorAbi,
      functionName: 'messageHash',
      args: [account.address, hash],
    })
    const good = await account.owner.sign!({ hash: digest })
    assert.equal(await isValid(account.address, hash, concat([devnet.contracts.ownerValidator, good])), MAGIC)

    const stranger = privateKeyToAccount(generatePrivateKey())
    const bad = await stranger.sign({ hash: digest })
    assert.equal(await isValid(account.address, hash, concat([devnet.contracts.ownerValidator, bad])), INVALID)
  })

  it('does not consult a validator that is not installed, even one that accepts everything', async () => {
    const account = await deployedAccount()
    const wallet = createWalletClient({ chain: devnet.chain, transport: http(devnet.rpcUrl), account: privateKeyToAccount(devnet.testKeys[1]!.privateKey) })
    const { contractAddress: acceptAll } = await devnet.publicClient.waitForTransactionReceipt({
      hash: await wallet.deployContract({ abi: acceptAllValidatorAbi, bytecode: acceptAllValidatorBytecode }),
    })
    const hash = hashMessage('via module')
    // Sanity: the module itself says yes to anything.
    const direct = await devnet.publicClient.readContract({ address: acceptAll!, abi: acceptAllValidatorAbi, functionName: 'isValidSignatureWithSender', args: [account.address, hash, '0x'] })
    assert.equal(direct, MAGIC)
    assert.equal(await isValid(account.address, hash, concat([acceptAll!, '0x00'])), INVALID)
  })
})
