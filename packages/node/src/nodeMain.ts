/**
 * One signer node as a process: `node --import tsx packages/node/src/nodeMain.ts --identifier 1 --data-dir
 * ./node-1 [--port 0] [--config node.json]` (or `latchkey node start`). Options come from the config file,
 * then the environment (LATCHKEY_NODE_IDENTIFIER, LATCHKEY_NODE_DATA_DIR, LATCHKEY_NODE_PORT,
 * LATCHKEY_NODE_HOST, LATCHKEY_NODE_RPC_URL, LATCHKEY_NODE_DATABASE_URL, LATCHKEY_NODE_DKG_CLIENTS as
 * comma-separated addresses; LATCHKEY_NODE_TEST_FAULT in tests only), then the command line. Logs are JSON
 * lines on stdout; the first names the URL.
 */
import { readFileSync } from 'node:fs'
import { isAddress, type Address } from 'viem'
import { parseArgs } from 'node:util'
import { parseTestFault } from './faults/testFault.ts'
import { startSignerNode, type SignerNodeConfig } from './server/signerNode.ts'

function parseAddresses(list: string): Address[] {
  const addresses = list.split(',').map((a) => a.trim()).filter(Boolean)
  const bad = addresses.find((a) => !isAddress(a, { strict: false }))
  if (bad !== undefined) throw new Error(`dkg clients: "${bad}" is not an address`)
  return addresses as Address[]
}

export async function runSignerNode(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, identifier: { type: 'string' }, 'data-dir': { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'rpc-url': { type: 'string' }, 'database-url': { type: 'string' }, 'test-fault': { type: 'string' }, 'dkg-clients': { type: 'string' } },
  })
  const file = values.config ? (JSON.parse(readFileSync(values.config, 'utf8')) as Partial<SignerNodeConfig>) : {}
  const env = process.env
  const pick = (cli: string | undefined, envName: string, fromFile: unknown) => cli ?? env[envName] ?? (fromFile === undefined ? undefined : String(fromFile))
  const identifier = pick(values.identifier, 'LATCHKEY_NODE_IDENTIFIER', file.identifier)
  const dataDir = pick(values['data-dir'], 'LATCHKEY_NODE_DATA_DIR', file.dataDir)
  if (!identifier || !dataDir) throw new Error('give --identifier and --data-dir (or a --config file, or LATCHKEY_NODE_* variables)')
  const dkgClients = pick(values['dkg-clients'], 'LATCHKEY_NODE_DKG_CLIENTS', Array.isArray(file.dkgClients) ? file.dkgClients.join(',') : file.dkgClients)
  const testFault = parseTestFault(pick(values['test-fault'], 'LATCHKEY_NODE_TEST_FAULT', file.testFault))
  if (testFault && env.LATCHKEY_NODE_ALLOW_TEST_FAULTS !== '1') throw new Error('test faults are for tests only: the test harness sets LATCHKEY_NODE_ALLOW_TEST_FAULTS=1')
  const port = pick(values.port, 'LATCHKEY_NODE_PORT', file.port)
  const node = await startSignerNode({
    identifier: Number(identifier),
    dataDir,
    port: port === undefined ? 0 : Number(port),
    host: pick(values.host, 'LATCHKEY_NODE_HOST', file.host),
    rpcUrl: pick(values['rpc-url'], 'LATCHKEY_NODE_RPC_URL', file.rpcUrl),
    databaseUrl: pick(values['database-url'], 'LATCHKEY_NODE_DATABASE_URL', file.databaseUrl),
    dkgClients: dkgClients === undefined ? undefined : parseAddresses(dkgClients),
    testFault,
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void node.close().then(() => process.exit(0)))
}

if (import.meta.url === `file://${process.argv[1]}`) await runSignerNode(process.argv.slice(2))
