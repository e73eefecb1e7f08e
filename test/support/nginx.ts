import { type ChildProcess, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appIngress, type IngressInput, nginxConf } from '../../deploy/examples/ingress-nginx.ts'
import { freePort } from './ports.ts'

export const NGINX_MODULES_DIR = '/usr/lib/nginx/modules'
const STARTUP_TIMEOUT_MS = 10_000

/**
 * Every server this module started and has not seen exit, with its directory. Each leads its own
 * process group (nginx's master and workers), signalled as a group so no worker outlives its master.
 */
const running = new Map<ChildProcess, string>()
process.once('exit', () => {
  for (const [child, dir] of running) {
    signalGroup(child, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
})

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    // Already gone.
  }
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** What the server wrote to stderr so far (nginx's error log). */
  log(): string
  stop(): Promise<void>
}

/** How to start a server on a given port, and how to recognize it there (its `Server` header). */
export interface ServerLaunch {
  readonly command: string
  args(port: number): Promise<string[]>
  readonly dir: string
  readonly env?: NodeJS.ProcessEnv
  readonly serverHeader: RegExp
}

/**
 * Starts a server in the foreground on a free port, waits until that port answers with the
 * server's own `Server` header (another process may have taken the port meanwhile: then it
 * retries on another one), and returns a handle that kills exactly this process and removes `dir`.
 */
export async function startServer(launch: ServerLaunch): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      return await startOn(launch, port, await launch.args(port))
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 3) {
        await rm(launch.dir, { recursive: true, force: true })
        throw error
      }
    }
  }
}

class PortTaken extends Error {}

async function startOn(launch: ServerLaunch, port: number, args: string[]): Promise<RunningServer> {
  const child = spawn(launch.command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: launch.env ?? process.env,
  })
  running.set(child, launch.dir)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', () => running.delete(child))
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child, 'SIGTERM')
      const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])
      if (!killed) {
        signalGroup(child, 'SIGKILL')
        await exited
      }
    }
  }
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await kill()
      if (/address already in use/i.test(output)) throw new PortTaken(`port ${port} is taken`)
      throw new Error(`${launch.command} did not start on port ${port}:\n${output}`)
    }
    const server = await serverHeader(port)
    if (server !== undefined) {
      if (launch.serverHeader.test(server)) break
      await kill()
      throw new PortTaken(`port ${port} is answered by ${server || 'another server'}`)
    }
    await sleep(25)
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    log: () => output,
    async stop() {
      await kill()
      await rm(launch.dir, { recursive: true, force: true })
    },
  }
}

/** The `Server` header of whatever answers on the port ('' when none), or undefined when nothing listens. */
function serverHeader(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/',
      headers: { host: 'probe.invalid' },
      agent: false,
    })
    req.once('error', () => resolve(undefined))
    req.once('response', (res) => {
      res.resume()
      resolve(String(res.headers.server ?? ''))
    })
    req.setTimeout(1000, () => req.destroy())
    req.end()
  })
}

export interface NginxOptions {
  /** The Ingress as deploy/examples/ingress-nginx.ts builds it, with this run's addresses. */
  readonly ingress: Omit<IngressInput, 'namespace' | 'service'>
  /** The application (echo app) `host:port`. */
  readonly upstream: string
  /** More Ingresses (other hosts, each with its own application), as the controller renders them side by side. */
  readonly others?: readonly { readonly ingress: NginxOptions['ingress']; readonly upstream: string }[]
}

/**
 * Runs Debian's nginx in the foreground on a free 127.0.0.1 port with the configuration
 * ingress-nginx would generate for the example Ingress (rendered by deploy/examples/ingress-nginx.ts),
 * its temporary files and auth cache in a fresh directory.
 */
export async function startNginx(options: NginxOptions): Promise<RunningServer & { conf(): string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-nginx-'))
  const servers = [{ ingress: options.ingress, upstream: options.upstream }, ...(options.others ?? [])]
  const ingresses = servers.map((server, i) =>
    appIngress({ namespace: 'test', service: { name: `echo-${i}`, port: 0 }, ...server.ingress }),
  )
  const confPath = join(dir, 'nginx.conf')
  await mkdir(join(dir, 'logs'))
  let conf = ''
  const server = await startServer({
    command: 'nginx',
    dir,
    serverHeader: /^nginx/,
    async args(port) {
      conf = nginxConf(ingresses, {
        listen: `127.0.0.1:${port}`,
        dataDir: dir,
        modulesDir: NGINX_MODULES_DIR,
        endpoints: (service) => servers[Number(service.name.slice('echo-'.length))]!.upstream,
        // A root master would hand requests to `nobody` workers, which cannot write into this directory.
        mainLines: process.getuid?.() === 0 ? ['user root;'] : [],
      })
      await writeFile(confPath, conf)
      return [
        '-p',
        dir,
        '-c',
        confPath,
        '-e',
        'stderr',
        '-g',
        `daemon off; pid ${dir}/nginx.pid; error_log stderr;`,
      ]
    },
  })
  return { ...server, conf: () => conf }
}

export interface ExactResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * One HTTP/1.1 request with the request target and headers exactly as given (no URL parsing or
 * normalization on the way), e.g. `/public/%2e%2e/private` or an absolute-form target.
 */
export function exactRequest(
  port: number,
  target: string,
  headers: OutgoingHttpHeaders = {},
  options: { method?: string; localAddress?: string } = {},
): Promise<ExactResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: options.method ?? 'GET',
      path: target,
      headers: { host: `127.0.0.1:${port}`, connection: 'close', ...headers },
      localAddress: options.localAddress,
      agent: false,
    })
    req.once('error', reject)
    req.once('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.once('error', reject)
    })
    req.end()
  })
}

/**
 * Sends raw bytes as a request line and headers over a socket (for targets no HTTP client will
 * send: spaces, NUL, backslashes) and returns the status code, or 0 when the server closed the
 * connection without answering.
 */
export function rawRequestStatus(
  port: number,
  requestLine: string,
  headerLines: string[] = [],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      received += chunk
    })
    socket.once('error', reject)
    socket.once('close', () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received)
      resolve(match ? Number(match[1]) : 0)
    })
    socket.once('connect', () => {
      const head = [requestLine, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headerLines, '', ''].join(
        '\r\n',
      )
      // write, not end: nginx treats a half-closed client as gone (499) while it asks the auth service.
      socket.write(Buffer.from(head, 'latin1'))
    })
  })
}

/**
 * Waits until a gate is ready and its session store connected (a login started before that is
 * refused with 503): readiness alone no longer waits for shared dependencies.
 */
export { untilReady } from './gate.ts'
