// A dApp page's script (bundled for the browser by esbuild in test/browserP256.test.ts): it makes a P-256
// session signer in the browser, a non-extractable WebCrypto key or a passkey (Chromium's virtual
// authenticator), has the test's server grant a session to it, and sends DemoCounter.count() under that
// session through the bundler. The outcome lands on <body data-result> or <body data-error>.
import { createPublicClient, defineChain, encodeFunctionData, http, type Address } from 'viem'
import { createBundlerClient } from 'viem/account-abstraction'
import { parseSessionGrant, sendUserOperationAndWait, toSessionAccount, webAuthnSessionSigner, webCryptoSessionSigner, type SessionSigner } from '@latchkey/sdk'

type PageConfig = { chainId: number; rpcUrl: string; bundlerUrl: string; demoCounter: Address; kind: 'webcrypto' | 'passkey' }

async function webCryptoSigner(): Promise<{ signer: SessionSigner; extractable: boolean }> {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  return { signer: await webCryptoSessionSigner({ keyPair }), extractable: keyPair.privateKey.extractable }
}

async function passkeySigner(): Promise<{ signer: SessionSigner; extractable: boolean }> {
  const credential = (await navigator.credentials.create({
    publicKey: {
      rp: { name: 'Latchkey test', id: location.hostname },
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: 'player', displayName: 'Player' },
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      authenticatorSelection: { userVerification: 'required', residentKey: 'required' },
    },
  })) as PublicKeyCredential
  const publicKey = (credential.response as AuthenticatorAttestationResponse).getPublicKey()
  if (publicKey === null) throw new Error('the authenticator gave no public key')
  return { signer: webAuthnSessionSigner({ credential: { id: credential.id, publicKey: new Uint8Array(publicKey) }, rpId: location.hostname }), extractable: false }
}

async function actUnderSession(config: PageConfig) {
  const chain = defineChain({ id: config.chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [config.rpcUrl] } } })
  const publicClient = createPublicClient({ chain, transport: http(config.rpcUrl), pollingInterval: 100 })
  const bundler = createBundlerClient({ client: publicClient, transport: http(config.bundlerUrl) })
  const { signer, extractable } = config.kind === 'webcrypto' ? await webCryptoSigner() : await passkeySigner()
  const granted = await fetch('/grant', { method: 'POST', body: JSON.stringify({ verifier: signer.verifier, key: signer.key }) })
  if (!granted.ok) throw new Error(`grant refused: ${await granted.text()}`)
  const { grant } = parseSessionGrant(await granted.text())
  const account = await toSessionAccount({ client: publicClient, grant, signer })
  const count = { to: config.demoCounter, data: encodeFunctionData({ abi: [{ type: 'function', name: 'count', inputs: [], outputs: [], stateMutability: 'nonpayable' }], functionName: 'count' }) }
  const first = await sendUserOperationAndWait(bundler, { account, calls: [count], chainClient: publicClient })
  const second = await sendUserOperationAndWait(bundler, { account, calls: [count], chainClient: publicClient })
  return { success: first.success && second.success, sender: account.address, key: signer.key, extractable }
}

const config = JSON.parse(document.getElementById('config')!.textContent!) as PageConfig
actUnderSession(config).then(
  (result) => {
    document.body.dataset.result = JSON.stringify(result)
  },
  (error: { shortMessage?: string; message?: string }) => {
    document.body.dataset.error = String(error?.shortMessage ?? error?.message ?? error)
  },
)
