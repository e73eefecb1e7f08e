import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Ports below the kernel's ephemeral range: no outgoing connection is ever given one of these, so a
 * port found free here stays free until the test binds it. Port 0 would pick from the ephemeral
 * range, where any connection on the machine (thousands, under load) may take it meanwhile.
 */
function quietRange(): [number, number] | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 12_000 ? [10_000, low] : undefined
  } catch {
    return undefined
  }
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => resolve(undefined))
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(address && typeof address === 'object' ? address.port : undefined))
    })
  })
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const range = quietRange()
  for (let attempt = 0; range !== undefined && attempt < 50; attempt++) {
    const port = await tryListen(range[0] + Math.floor(Math.random() * (range[1] - range[0])))
    if (port !== undefined) return port
  }
  const port = await tryListen(0)
  if (port === undefined) throw new Error('no free port')
  return port
}
