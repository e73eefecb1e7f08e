import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appIngress, type IngressInput, nginxConf } from '../../deploy/examples/render.ts'

export const NGINX_MODULES_DIR = '/usr/lib/nginx/modules'
const STARTUP_TIMEOUT_MS = 10_000

/** Every server process this module started and has not seen exit; killed if the test process exits first. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** What the server wrote to stderr so far (nginx's error log). */
  log(): string
  stop(): Promise<void>
}

/**
 * Starts `command` in the foreground, waits until `port` accepts connections, and returns a handle
 * that kills exactly this process and removes `dir`.
 */
export async function startServer(command: string, args: string[], port: number, dir: string, env?: NodeJS.ProcessEnv): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env })
  running.add(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', () => running.delete(child))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const killed = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])
      if (!killed) {
        child.kill('SIGKILL')
        await exited
      }
    }
    await rm(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`${command} did not start on port ${port}:\n${output}`)
    }
    await sleep(25)
  }
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid!, log: () => output, stop }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

export interface NginxOptions {
  readonly port: number
  /** The Ingress as deploy/examples/render.ts builds it, with this run's addresses. */
  readonly ingress: Omit<IngressInput, 'namespace' | 'service'>
  /** The application (echo app) `host:port`. */
  readonly upstream: string
}

/**
 * Runs Debian's nginx in the foreground on 127.0.0.1:`port` with the configuration ingress-nginx
 * would generate for the example Ingress (rendered by deploy/examples/render.ts), its temporary
 * files and auth cache in a fresh directory.
 */
export async function startNginx(options: NginxOptions): Promise<RunningServer & { readonly conf: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-nginx-'))
  const ingress = appIngress({ namespace: 'test', service: { name: 'echo', port: 0 }, ...options.ingress })
  const conf = nginxConf(ingress, {
    listen: `127.0.0.1:${options.port}`,
    dataDir: dir,
    modulesDir: NGINX_MODULES_DIR,
    endpoints: () => options.upstream,
    // A root master would hand requests to `nobody` workers, which cannot write into this directory.
    mainLines: process.getuid?.() === 0 ? ['user root;'] : [],
  })
  const confPath = join(dir, 'nginx.conf')
  await mkdir(join(dir, 'logs'))
  await writeFile(confPath, conf)
  const args = ['-p', dir, '-c', confPath, '-e', 'stderr', '-g', `daemon off; pid ${dir}/nginx.pid; error_log stderr;`]
  const server = await startServer('nginx', args, options.port, dir)
  return { ...server, conf }
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
export function rawRequestStatus(port: number, requestLine: string, headerLines: string[] = []): Promise<number> {
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
      const head = [requestLine, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headerLines, '', ''].join('\r\n')
      // write, not end: nginx treats a half-closed client as gone (499) while it asks the auth service.
      socket.write(Buffer.from(head, 'latin1'))
    })
  })
}
