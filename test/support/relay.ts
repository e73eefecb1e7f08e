import { connect, createServer, type Server, type Socket } from 'node:net'

/** One proxied TCP connection: the client's socket and the one the relay opened to the target. */
export interface RelayConnection {
  readonly id: number
  /** The first 4 KiB the client sent (enough to tell a subscriber from a command connection). */
  readonly clientHello: () => string
  readonly frozen: boolean
}

export type Direction = 'toTarget' | 'toClient' | 'both'

/**
 * A TCP relay in front of a server (Redis), for fault tests. It can:
 * - freeze connections silently: bytes are held, nothing is forwarded, no RST and no FIN reach
 *   either side, as when a network path dies without telling anyone;
 * - lag one direction (e.g. master → replica replication) by a fixed delay, keeping byte order;
 * - cut every connection at once, dropping what it held.
 * New connections after a freeze flow normally unless `freezeNew` is set.
 */
export interface Relay {
  readonly port: number
  readonly host: '127.0.0.1'
  connections(): readonly RelayConnection[]
  /** Freezes the open connections `match` selects (all by default). */
  freeze(match?: (connection: RelayConnection) => boolean): number
  /** Freezes every connection opened from now on as well. */
  freezeNew(frozen: boolean): void
  /** Releases frozen connections and forwards what they held. */
  thaw(): void
  /** Delays bytes in `direction` by `ms` (0 = none), for open and future connections. */
  lag(ms: number, direction?: Direction): void
  /** Destroys every connection and discards held or delayed bytes. */
  cut(): void
  close(): Promise<void>
}

interface Pending {
  readonly data: Buffer | 'end'
  readonly due: number
}

/** One direction of a connection: an ordered queue drained when not frozen and when due. */
class Lane {
  private readonly queue: Pending[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly to: Socket
  private readonly state: { frozen: boolean; lagMs: () => number; dead: boolean }
  constructor(to: Socket, state: { frozen: boolean; lagMs: () => number; dead: boolean }) {
    this.to = to
    this.state = state
  }
  push(data: Buffer | 'end'): void {
    this.queue.push({ data, due: Date.now() + this.state.lagMs() })
    this.drain()
  }
  drain(): void {
    if (this.state.dead || this.state.frozen) return
    clearTimeout(this.timer)
    this.timer = undefined
    while (this.queue.length > 0) {
      const next = this.queue[0]!
      const wait = next.due - Date.now()
      if (wait > 0) {
        this.timer = setTimeout(() => this.drain(), wait)
        return
      }
      this.queue.shift()
      if (next.data === 'end') this.to.end()
      else if (!this.to.destroyed) this.to.write(next.data)
    }
  }
  clear(): void {
    clearTimeout(this.timer)
    this.queue.length = 0
  }
}

export async function startRelay(target: { host?: string; port: number }): Promise<Relay> {
  const host = target.host ?? '127.0.0.1'
  let nextId = 1
  let frozenNew = false
  const lags = { toTarget: 0, toClient: 0 }
  const open = new Map<
    number,
    RelayConnection & { state: { frozen: boolean; dead: boolean }; lanes: Lane[]; sockets: Socket[] }
  >()

  const server: Server = createServer((client) => {
    const id = nextId++
    const upstream = connect({ host, port: target.port })
    let hello = ''
    const toTargetState = { frozen: frozenNew, lagMs: () => lags.toTarget, dead: false }
    const toClientState = { frozen: frozenNew, lagMs: () => lags.toClient, dead: false }
    const toTarget = new Lane(upstream, toTargetState)
    const toClient = new Lane(client, toClientState)
    const state = {
      get frozen() {
        return toTargetState.frozen
      },
      set frozen(value: boolean) {
        toTargetState.frozen = value
        toClientState.frozen = value
      },
      get dead() {
        return toTargetState.dead
      },
      set dead(value: boolean) {
        toTargetState.dead = value
        toClientState.dead = value
      },
    }
    const entry = {
      id,
      clientHello: () => hello,
      get frozen() {
        return state.frozen
      },
      state,
      lanes: [toTarget, toClient],
      sockets: [client, upstream],
    }
    open.set(id, entry)
    const kill = (): void => {
      state.dead = true
      toTarget.clear()
      toClient.clear()
      client.destroy()
      upstream.destroy()
      open.delete(id)
    }
    client.on('data', (chunk: Buffer) => {
      if (hello.length < 4096) hello += chunk.toString('latin1').slice(0, 4096 - hello.length)
      toTarget.push(chunk)
    })
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk))
    // A half-close travels like data: held while frozen, delayed while lagging.
    client.on('end', () => toTarget.push('end'))
    upstream.on('end', () => toClient.push('end'))
    // A reset on one side is passed on only while not frozen: a frozen path tells nobody anything.
    const onError = (): void => {
      if (!state.frozen) kill()
    }
    client.on('error', onError)
    upstream.on('error', onError)
    client.on('close', () => {
      if (!state.frozen) kill()
    })
    upstream.on('close', () => {
      if (!state.frozen) kill()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('relay has no port')

  const cut = (): void => {
    for (const entry of [...open.values()]) {
      entry.state.dead = true
      for (const lane of entry.lanes) lane.clear()
      for (const socket of entry.sockets) socket.destroy()
      open.delete(entry.id)
    }
  }
  return {
    port: address.port,
    host: '127.0.0.1',
    connections: () => [...open.values()],
    freeze(match = () => true) {
      let count = 0
      for (const entry of open.values()) {
        if (!match(entry)) continue
        entry.state.frozen = true
        count++
      }
      return count
    },
    freezeNew(frozen) {
      frozenNew = frozen
    },
    thaw() {
      frozenNew = false
      for (const entry of open.values()) {
        entry.state.frozen = false
        for (const lane of entry.lanes) lane.drain()
        if (entry.sockets.some((socket) => socket.destroyed)) {
          for (const socket of entry.sockets) socket.destroy()
          open.delete(entry.id)
        }
      }
    },
    lag(ms, direction = 'both') {
      if (direction !== 'toClient') lags.toTarget = ms
      if (direction !== 'toTarget') lags.toClient = ms
    },
    cut,
    async close() {
      cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
