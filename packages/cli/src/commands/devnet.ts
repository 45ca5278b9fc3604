import { startDevnet, type Devnet } from '@latchkey/devnet'

export type DevnetCommandOptions = { json?: boolean; anvilPort?: number; bundlerPort?: number; codeSizeLimit?: number }

/** What `latchkey devnet` prints: the same fields in JSON and for people. */
export function describeDevnet(devnet: Devnet) {
  return {
    chainId: devnet.chainId,
    rpcUrl: devnet.rpcUrl,
    bundlerUrl: devnet.bundlerUrl,
    entryPoint: devnet.entryPoint,
    contracts: devnet.contracts,
    testKeys: devnet.testKeys,
    pids: devnet.pids,
  }
}

/**
 * Runs the devnet until SIGINT or SIGTERM, then stops anvil and Alto and returns the exit code.
 * Logs go to stderr; stdout carries only the description (one JSON object with `--json`).
 */
export async function runDevnetCommand(options: DevnetCommandOptions): Promise<number> {
  const log = options.json ? () => {} : (line: string) => process.stderr.write(`${line}\n`)
  // Listen before starting: a signal during start-up stops the devnet as soon as it is up.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
  let devnet: Devnet
  try {
    devnet = await startDevnet({
      ...(options.anvilPort === undefined ? {} : { anvilPort: options.anvilPort }),
      ...(options.bundlerPort === undefined ? {} : { bundlerPort: options.bundlerPort }),
      ...(options.codeSizeLimit === undefined ? {} : { codeSizeLimit: options.codeSizeLimit }),
      onProgress: log,
    })
  } catch (error) {
    process.stderr.write(`latchkey devnet: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
  const description = describeDevnet(devnet)
  if (options.json) {
    process.stdout.write(`${JSON.stringify(description)}\n`)
  } else {
    const lines = [
      '',
      'Latchkey devnet is running (Ctrl-C to stop)',
      `  chain id     ${description.chainId}`,
      `  rpc          ${description.rpcUrl}`,
      `  bundler      ${description.bundlerUrl}`,
      `  entry point  ${description.entryPoint}`,
      '  contracts',
      ...Object.entries(description.contracts).map(([name, address]) => `    ${name.padEnd(22)} ${address}`),
      '  funded test keys (devnet only, never use elsewhere)',
      ...description.testKeys.map((k) => `    ${k.address}  ${k.privateKey}`),
      '',
    ]
    process.stdout.write(lines.join('\n'))
  }
  const signal = await signalled
  log(`${signal}: stopping the bundler and anvil`)
  await devnet.stop()
  log('stopped')
  return 0
}
