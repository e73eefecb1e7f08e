import { connect, type Socket } from 'node:net'

/** A client connection that sent some bytes and then went quiet, as a slow or hostile client does. */
export interface StalledClient {
  readonly socket: Socket
  /** Everything the server sent so far. */
  received(): string
  /** Resolves when the server closes the connection (or after `withinMs`), with what it sent. */
  closed(withinMs: number): Promise<{ closed: boolean; afterMs: number; text: string }>
  destroy(): void
}

/** Opens a connection (from `localAddress`, any 127.x address), writes `bytes` and leaves it open. */
export function stall(port: number, bytes: string, localAddress = '127.0.0.1'): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    const chunks: Buffer[] = []
    let closedAt: number | undefined
    const opened = Date.now()
    const waiters: (() => void)[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      closedAt = Date.now()
      for (const wake of waiters.splice(0)) wake()
    })
    socket.once('connect', () => {
      socket.write(bytes)
      const received = () => Buffer.concat(chunks).toString('latin1')
      resolve({
        socket,
        received,
        closed(withinMs) {
          return new Promise((done) => {
            const finish = () => {
              clearTimeout(timer)
              done({
                closed: closedAt !== undefined,
                afterMs: (closedAt ?? Date.now()) - opened,
                text: received(),
              })
            }
            const timer = setTimeout(finish, withinMs)
            if (closedAt !== undefined) finish()
            else waiters.push(finish)
          })
        },
        destroy: () => socket.destroy(),
      })
    })
    socket.once('error', reject)
  })
}
