import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { freePort } from './ports.ts'
import { type Relay, startRelay } from './relay.ts'

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The current process (changes on restart). */
  readonly pid: number
  /** Kills the process and removes its directory. */
  stop(): Promise<void>
  /** Kills the process and starts a new one on the same port and directory (data is not kept). */
  restart(): Promise<void>
}

export interface RedisSentinel {
  /** `redis+sentinel://127.0.0.1:<sentinel port>/<master name>` */
  readonly url: string
  readonly master: RedisServer
  readonly sentinelPort: number
  stop(): Promise<void>
}

export interface RedisClusterServers {
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>` */
  readonly url: string
  readonly nodes: readonly RedisServer[]
  stop(): Promise<void>
}

const STARTUP_TIMEOUT_MS = 10_000
const run = promisify(execFile)

/** Every redis-server this process started and has not seen exit; killed if the process exits first. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Starts `redis-server` on 127.0.0.1 without persistence, in a fresh temporary directory. */
export async function startRedis(options: { port?: number; args?: string[] } = {}): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort())
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-redis-'))
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]
    try {
      return await serve([...args, ...(options.args ?? [])], port, dir)
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      // Another process may have taken the port between freePort() and the bind.
      if (options.port !== undefined || attempt === 3) throw error
    }
  }
}

/** A master and one Sentinel watching it; with `sentinelPassword`, the Sentinel requires it (requirepass). */
export async function startRedisSentinel(
  options: { masterName?: string; sentinelPassword?: string } = {},
): Promise<RedisSentinel> {
  const master = await startRedis()
  try {
    const sentinel = await startSentinelFor(
      master,
      options.masterName ?? 'fxagate',
      5000,
      options.sentinelPassword,
    )
    return {
      ...sentinel,
      master,
      stop: async () => void (await Promise.all([sentinel.stop(), master.stop()])),
    }
  } catch (error) {
    await master.stop()
    throw error
  }
}

export interface ReplicatedSentinel extends RedisSentinel {
  readonly replica: RedisServer
  /** Sits between the replica and the master: freeze or lag it to starve the replica. */
  readonly replication: Relay
  /** The address Sentinel gives for the master now. */
  masterPort(): Promise<number>
  /** Kills the master (SIGKILL: no goodbye to the replica) and waits until the replica is promoted. */
  failOver(): Promise<void>
}

/**
 * A master, one replica that replicates through a TCP relay (so that replication can be frozen or
 * lagged), and one Sentinel that fails over one second after the master stops answering.
 */
export async function startReplicatedSentinel(
  options: { masterName?: string } = {},
): Promise<ReplicatedSentinel> {
  const name = options.masterName ?? 'fxagate'
  const started: Array<{ stop(): Promise<void> }> = []
  try {
    const master = await startRedis()
    started.push(master)
    const replication = await startRelay({ port: master.port })
    started.push({ stop: () => replication.close() })
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(replication.port)] })
    started.push(replica)
    await until(async () => /master_link_status:up/.test(await cli(replica.port, 'INFO', 'replication')))
    const sentinel = await startSentinelFor(master, name, 1000)
    started.push(sentinel)
    await until(async () =>
      (await cli(sentinel.sentinelPort, 'SENTINEL', 'replicas', name)).includes(String(replica.port)),
    )
    const masterPort = async (): Promise<number> =>
      Number((await cli(sentinel.sentinelPort, 'SENTINEL', 'get-master-addr-by-name', name)).split('\n')[1])
    return {
      ...sentinel,
      master,
      replica,
      replication,
      masterPort,
      async failOver() {
        process.kill(master.pid, 'SIGKILL')
        replication.cut()
        await until(async () => (await masterPort()) === replica.port, 30_000)
        await until(async () => /role:master/.test(await cli(replica.port, 'INFO', 'replication')), 30_000)
      },
      async stop() {
        for (const item of started.reverse()) await item.stop()
      },
    }
  } catch (error) {
    for (const item of started.reverse()) await item.stop().catch(() => undefined)
    throw error
  }
}

async function startSentinelFor(
  master: RedisServer,
  name: string,
  downAfterMs: number,
  password?: string,
): Promise<{ url: string; sentinelPort: number; stop(): Promise<void> }> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-sentinel-'))
  try {
    const config = join(dir, 'sentinel.conf')
    await writeFile(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
        `sentinel failover-timeout ${name} 10000`,
        ...(password === undefined ? [] : [`requirepass ${password}`]),
        '',
      ].join('\n'),
    )
    const sentinel = await serve([config, '--sentinel'], port, dir, password === undefined)
    const auth = password === undefined ? [] : ['--no-auth-warning', '-a', password]
    await until(async () =>
      (await cli(port, ...auth, 'SENTINEL', 'get-master-addr-by-name', name)).includes(String(master.port)),
    )
    return { url: `redis+sentinel://127.0.0.1:${port}/${name}`, sentinelPort: port, stop: sentinel.stop }
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}

/**
 * Three masters with `cluster-enabled yes`, all 16384 slots assigned, state ok on every node; with
 * `replicas`, each master has one replica (nodes 3–5), which takes over two seconds after its
 * master stops answering.
 */
export async function startRedisCluster(options: { replicas?: boolean } = {}): Promise<RedisClusterServers> {
  const nodes: RedisServer[] = []
  const count = options.replicas ? 6 : 3
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  try {
    for (let i = 0; i < count; i++) {
      const busPort = await freePort()
      const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf']
      const busArgs = ['--cluster-port', String(busPort), '--cluster-node-timeout', '2000']
      nodes.push(await startRedis({ args: [...clusterArgs, ...busArgs] }))
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`)
    const replicas = options.replicas ? ['--cluster-replicas', '1'] : []
    await run('redis-cli', ['--cluster', 'create', ...addresses, ...replicas, '--cluster-yes'], {
      timeout: STARTUP_TIMEOUT_MS,
    })
    await until(async () => {
      const infos = await Promise.all(nodes.map((node) => cli(node.port, 'CLUSTER', 'INFO')))
      const known = new RegExp(`cluster_known_nodes:${count}`)
      return infos.every((info) => /cluster_state:ok/.test(info) && known.test(info))
    })
    if (options.replicas) {
      await until(async () => {
        const roles = await Promise.all(nodes.map((node) => cli(node.port, 'INFO', 'replication')))
        return roles.filter((info) => /master_link_status:up/.test(info)).length === 3
      })
    }
    const masters = addresses.slice(0, 3)
    return { url: `redis+cluster://${masters.join(',')}`, nodes, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

interface Process {
  readonly pid: number
  halt(): Promise<void>
}

async function serve(args: string[], port: number, dir: string, pingable = true): Promise<RedisServer> {
  let current = await launch(args, port, dir, pingable)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid
    },
    async stop() {
      await current.halt()
      await rm(dir, { recursive: true, force: true })
    },
    async restart() {
      await current.halt()
      current = await launch(args, port, dir, pingable)
    },
  }
}

async function launch(args: string[], port: number, dir: string, pingable: boolean): Promise<Process> {
  await mkdir(dir, { recursive: true })
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  running.add(child)
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child)
      resolve()
    })
  })
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null
  const halt = async (): Promise<void> => {
    if (hasExited()) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    await exited
    clearTimeout(timer)
  }
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  // A server that requires a password answers PING with NOAUTH: then it is enough that it answers.
  while (!(await answersPing(port, pingable))) {
    if (hasExited() || Date.now() > deadline) {
      await halt()
      throw new Error(`redis-server on port ${port} did not start:\n${output}`)
    }
    await sleep(20)
  }
  if (child.pid === undefined) throw new Error('redis-server has no pid')
  return { pid: child.pid, halt }
}

async function answersPing(port: number, strict = true): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    let reply = ''
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || (!strict && reply.startsWith('-NOAUTH')))
    })
  })
}

/** Runs one command with redis-cli against 127.0.0.1:<port> and returns its output. */
export async function cli(port: number, ...command: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command], {
    timeout: 5000,
  })
  return stdout
}

async function until(condition: () => Promise<boolean>, timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('timed out waiting for Redis')
    await sleep(50)
  }
}
