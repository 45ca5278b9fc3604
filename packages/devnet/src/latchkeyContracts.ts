import { encodeDeployData, parseEther, zeroHash, type Address, type Hex } from 'viem'
import {
  callPolicyBytecode,
  demoCounterBytecode,
  demoGameBytecode,
  demoLendingMarketAbi,
  demoLendingMarketBytecode,
  demoNftAbi,
  demoNftBytecode,
  demoSwapRouterV2Bytecode,
  demoSwapRouterV3Abi,
  demoSwapRouterV3Bytecode,
  demoTokenAbi,
  demoTokenBytecode,
  erc20PolicyBytecode,
  frostSignerVerifierBytecode,
  gasPolicyBytecode,
  latchkeyAccountBytecode,
  latchkeyAccount7702Bytecode,
  latchkeyAccountFactoryAbi,
  latchkeyAccountFactoryBytecode,
  ownerValidatorBytecode,
  multichainApprovalValidatorBytecode,
  p256SignerVerifierBytecode,
  sessionKeyManagerBytecode,
  sessionTypedDataValidatorBytecode,
  streamPolicyBytecode,
  usageLimitPolicyBytecode,
} from '@latchkey/contracts'
import { deployDeterministic, deterministicAddress, type DeployClients } from './deterministicDeployer.ts'

/** Salt of every Latchkey deployment: addresses depend only on the bytecode (and constructor arguments). */
export const LATCHKEY_SALT: Hex = zeroHash

/** The Latchkey contracts on a devnet, by name. */
export type LatchkeyContracts = {
  accountImplementation: Address
  accountFactory: Address
  /** The account implementation EOAs delegate to (EIP-7702). */
  latchkeyAccount7702: Address
  ownerValidator: Address
  sessionKeyManager: Address
  usageLimitPolicy: Address
  callPolicy: Address
  erc20Policy: Address
  gasPolicy: Address
  /** Linear accrual (ERC-7715 token streams). */
  streamPolicy: Address
  /** Verifies FROST(secp256k1, SHA-256) threshold signatures for sessions whose signer is a group key. */
  frostSignerVerifier: Address
  /** Verifies P-256 session signatures: raw (WebCrypto) keys and WebAuthn passkeys, with the precompile or in Solidity. */
  p256SignerVerifier: Address
  /** Scoped ERC-1271 for sessions: typed data of listed domains and types only, ERC-7739-bound to the account. */
  sessionTypedDataValidator: Address
  /** One owner signature approving sessions on several chains (a Merkle root of per-chain approvals). */
  multichainApprovalValidator: Address
  /** A 6-decimals ERC-20 anyone may mint ("USDC" in the demos). */
  demoToken: Address
  /** A second demo ERC-20 ("WETH" in the demos; also 6 decimals). */
  demoWeth: Address
  demoCounter: Address
  demoSwapRouterV3: Address
  demoSwapRouterV2: Address
  demoNft: Address
  demoGame: Address
  /** A lending market (LKWETH collateral, LKUSD debt, a price anyone sets) for the liquidation-protection demo; it holds no LKUSD until someone mints it some. */
  demoLendingMarket: Address
}

/** The demo market the devnet opens: LKUSD → LKWETH at 1 : 4,000 in raw units, with this much LKWETH in each router. */
export const DEMO_RATE = { numerator: 1n, denominator: 4_000n } as const
export const DEMO_ROUTER_LIQUIDITY = 1_000_000_000_000n
/** The demo lending market's opening price: LKUSD units per 10^6 LKWETH units (4,000 LKUSD a LKWETH). */
export const DEMO_LENDING_PRICE = 4_000_000_000n

/** Stake the devnet puts on the factory (ERC-7562 STO-022), and its unstake delay (the spec's minimum). */
export const FACTORY_STAKE = parseEther('1')
export const FACTORY_UNSTAKE_DELAY_SEC = 86_400

function initCodes(factoryOwner: Address) {
  const implementation = deterministicAddress(latchkeyAccountBytecode, LATCHKEY_SALT)
  const usd = deterministicAddress(encodeDeployData({ abi: demoTokenAbi, bytecode: demoTokenBytecode, args: ['Latchkey Demo USD', 'LKUSD'] }), LATCHKEY_SALT)
  const weth = deterministicAddress(encodeDeployData({ abi: demoTokenAbi, bytecode: demoTokenBytecode, args: ['Latchkey Demo Wrapped Ether', 'LKWETH'] }), LATCHKEY_SALT)
  return {
    accountImplementation: latchkeyAccountBytecode,
    accountFactory: encodeDeployData({
      abi: latchkeyAccountFactoryAbi,
      bytecode: latchkeyAccountFactoryBytecode,
      args: [implementation, factoryOwner],
    }),
    latchkeyAccount7702: latchkeyAccount7702Bytecode,
    ownerValidator: ownerValidatorBytecode,
    sessionKeyManager: sessionKeyManagerBytecode,
    usageLimitPolicy: usageLimitPolicyBytecode,
    callPolicy: callPolicyBytecode,
    erc20Policy: erc20PolicyBytecode,
    gasPolicy: gasPolicyBytecode,
    streamPolicy: streamPolicyBytecode,
    frostSignerVerifier: frostSignerVerifierBytecode,
    p256SignerVerifier: p256SignerVerifierBytecode,
    sessionTypedDataValidator: sessionTypedDataValidatorBytecode,
    multichainApprovalValidator: multichainApprovalValidatorBytecode,
    demoToken: encodeDeployData({ abi: demoTokenAbi, bytecode: demoTokenBytecode, args: ['Latchkey Demo USD', 'LKUSD'] }),
    demoWeth: encodeDeployData({ abi: demoTokenAbi, bytecode: demoTokenBytecode, args: ['Latchkey Demo Wrapped Ether', 'LKWETH'] }),
    demoCounter: demoCounterBytecode,
    demoSwapRouterV3: demoSwapRouterV3Bytecode,
    demoSwapRouterV2: demoSwapRouterV2Bytecode,
    demoNft: encodeDeployData({ abi: demoNftAbi, bytecode: demoNftBytecode, args: ['Latchkey Demo Pass', 'LKPASS'] }),
    demoGame: demoGameBytecode,
    demoLendingMarket: encodeDeployData({ abi: demoLendingMarketAbi, bytecode: demoLendingMarketBytecode, args: [weth, usd, DEMO_LENDING_PRICE] }),
  } satisfies Record<keyof LatchkeyContracts, Hex>
}

/** Where {@link deployLatchkeyContracts} puts each contract, without touching a chain. */
export function latchkeyContractAddresses(factoryOwner: Address): LatchkeyContracts {
  const codes = initCodes(factoryOwner)
  const entries = Object.entries(codes).map(([name, code]) => [name, deterministicAddress(code, LATCHKEY_SALT)])
  return Object.fromEntries(entries) as LatchkeyContracts
}

/** Deploys every Latchkey contract at its deterministic address and stakes the factory in the EntryPoint. */
export async function deployLatchkeyContracts(clients: DeployClients): Promise<LatchkeyContracts> {
  const factoryOwner = clients.walletClient.account.address
  const codes = initCodes(factoryOwner)
  const deployed = {} as LatchkeyContracts
  for (const [name, code] of Object.entries(codes) as [keyof LatchkeyContracts, Hex][]) {
    deployed[name] = await deployDeterministic(clients, name, code, LATCHKEY_SALT)
  }
  const hash = await clients.walletClient.writeContract({
    address: deployed.accountFactory,
    abi: latchkeyAccountFactoryAbi,
    functionName: 'addStake',
    args: [FACTORY_UNSTAKE_DELAY_SEC],
    value: FACTORY_STAKE,
  })
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`staking the account factory failed (transaction ${hash})`)
  await openDemoMarket(clients, deployed)
  return deployed
}

/**
 * Sets the LKUSD → LKWETH rate on both demo routers and gives each router LKWETH to pay out. The lending
 * market starts with no LKUSD: whoever uses it mints some to it first (DemoToken's mint is open). Minting
 * here would make LKUSD's total supply non-zero at start and move the gas of every first LKUSD mint measured
 * on the devnet (the gas snapshot's first-deploy case) by 17,100.
 */
async function openDemoMarket(clients: DeployClients, contracts: LatchkeyContracts): Promise<void> {
  for (const router of [contracts.demoSwapRouterV3, contracts.demoSwapRouterV2]) {
    for (const hash of [
      await clients.walletClient.writeContract({
        address: router,
        abi: demoSwapRouterV3Abi,
        functionName: 'setRate',
        args: [contracts.demoToken, contracts.demoWeth, DEMO_RATE.numerator, DEMO_RATE.denominator],
      }),
      await clients.walletClient.writeContract({
        address: contracts.demoWeth,
        abi: demoTokenAbi,
        functionName: 'mint',
        args: [router, DEMO_ROUTER_LIQUIDITY],
      }),
    ]) {
      const receipt = await clients.publicClient.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`opening the demo market failed (transaction ${hash})`)
    }
  }
}
