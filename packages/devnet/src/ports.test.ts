import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { claimPort, freePort, isPortOpen, LOOPBACK } from './ports.ts'
import { PortInUseError } from './errors.ts'

describe('ports', () => {
  it('finds a free port and reports it closed', async () => {
    const port = await freePort()
    assert.ok(port > 0 && port < 65_536)
    assert.equal(await isPortOpen(port), false)
  })

  it('refuses a port that is in use with PortInUseError naming the service and the port', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve))
    const { port } = server.address() as { port: number }
    try {
      assert.equal(await isPortOpen(port), true)
      await assert.rejects(claimPort('anvil', port), (error: unknown) => {
        assert.ok(error instanceof PortInUseError)
        assert.equal(error.port, port)
        assert.match(error.message, new RegExp(`anvil: port ${port} .* already in use`))
        return true
      })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('returns a requested port that is free', async () => {
    const port = await freePort()
    assert.equal(await claimPort('bundler', port), port)
  })
})
