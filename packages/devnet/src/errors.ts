/** Errors the devnet raises. Each names what failed and what to do about it. */
export class DevnetError extends Error {
  override name = 'DevnetError'
}

/** A requested port is already taken by another process. */
export class PortInUseError extends DevnetError {
  override name = 'PortInUseError'
  constructor(
    readonly service: string,
    readonly port: number,
  ) {
    super(`${service}: port ${port} on 127.0.0.1 is already in use; choose another port or omit it to use a free one`)
  }
}

/** A child process exited or did not answer before it was ready. */
export class ServiceStartError extends DevnetError {
  override name = 'ServiceStartError'
  constructor(
    readonly service: string,
    reason: string,
    readonly output: string,
  ) {
    super(`${service} did not start: ${reason}${output ? `\n--- last output of ${service} ---\n${output}` : ''}`)
  }
}
