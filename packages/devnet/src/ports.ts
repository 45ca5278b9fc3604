import { createServer } from 'node:net'
import { PortInUseError } from './errors.ts'

/** The loopback address every devnet service binds to. Nothing listens on another interface. */
export const LOOPBACK = '127.0.0.1'

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined)
      else reject(error)
    })
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address ? address.port : port
      server.close(() => resolve(bound))
    })
  })
}

/** A port on the loopback address that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const port = await tryListen(0)
  if (port === undefined) throw new Error('the OS found no free port')
  return port
}

/** Returns `port` if it is free, or a free port when none is given; throws {@link PortInUseError} otherwise. */
export async function claimPort(service: string, port: number | undefined): Promise<number> {
  if (port === undefined) return freePort()
  if ((await tryListen(port)) === undefined) throw new PortInUseError(service, port)
  return port
}

/** True when something accepts TCP connections on the loopback port. */
export async function isPortOpen(port: number): Promise<boolean> {
  return (await tryListen(port)) === undefined
}
