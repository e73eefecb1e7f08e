import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../test/support/ports.ts'
import { launch, type Proc, SERVER_CORE, waitHttp } from './proc.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const TOOLS = join(ROOT, '.tools', 'bin')
const NODE = process.execPath

/** A server under test, started fresh for every measurement. */
export interface Running {
  readonly url: string
  /** Every process that serves the measured request (nginx and its auth server count together). */
  readonly procs: readonly Proc[]
  /** fxa-gate's admin listener (metrics), when the subject has one. */
  readonly admin?: string
  stop(): Promise<void>
}

export interface Subject {
  readonly name: string
  start(): Promise<Running>
}

function single(proc: Proc, url: string): Running {
  return { url, procs: [proc], stop: () => proc.stop() }
}

/**
 * Starts on `preferred`, and when that fails (on a shared machine another process may take a port
 * between the moment it was found free and the moment a server binds it) on fresh free ports.
 */
export async function onSomePort(
  preferred: number,
  attempt: (port: number, fresh: boolean) => Promise<Running>,
): Promise<Running> {
  let port = preferred
  for (let tries = 1; ; tries++) {
    try {
      return await attempt(port, tries > 1)
    } catch (error) {
      if (tries >= 4) throw error
      port = await freePort()
    }
  }
}

async function startOrStop(proc: Proc, ready: () => Promise<void>): Promise<void> {
  try {
    await ready()
  } catch (error) {
    await proc.stop()
    throw error
  }
}

/** A Node program from bench/servers/, pinned to the server core. */
export function nodeServer(
  name: string,
  script: string,
  port: number,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Subject {
  return {
    name,
    start: () =>
      onSomePort(port, async (port) => {
        const proc = launch(name, NODE, [...nodeArgs, join(ROOT, 'bench/servers', script)], {
          core: SERVER_CORE,
          env: { PORT: String(port), ...env },
        })
        const url = `http://127.0.0.1:${port}`
        await startOrStop(proc, () => waitHttp(`${url}/`, proc, () => true))
        return single(proc, url)
      }),
  }
}

/** A Go program (GOMAXPROCS=1), pinned to the server core. */
export function goServer(
  name: string,
  binary: string,
  port: number,
  env: Record<string, string> = {},
  args: string[] = [],
  ready = '/',
): Subject {
  return {
    name,
    start: () =>
      onSomePort(port, async (port) => {
        const proc = launch(name, join(TOOLS, binary), args, {
          core: SERVER_CORE,
          env: { GOMAXPROCS: '1', LISTEN: `127.0.0.1:${port}`, ...env },
        })
        const url = `http://127.0.0.1:${port}`
        await startOrStop(proc, () => waitHttp(`${url}${ready}`, proc, () => true))
        return single(proc, url)
      }),
  }
}

export interface GateSetup {
  readonly env: Record<string, string>
  readonly port: number
  readonly adminPort: number
}

/** fxa-gate from dist/, pinned to the server core, ready when its admin /readyz says so. */
export function fxaGate(name: string, setup: GateSetup, nodeArgs: string[] = []): Subject {
  return {
    name,
    start: () =>
      onSomePort(setup.port, async (port, fresh) => {
        const adminPort = fresh ? await freePort() : setup.adminPort
        // PUBLIC_URL stays: it only matters to the login, done once on the preferred port.
        const env = {
          ...setup.env,
          FXA_GATE_LISTEN: `127.0.0.1:${port}`,
          FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
        }
        const proc = launch(name, NODE, [...nodeArgs, join(ROOT, 'dist/main.js')], { core: SERVER_CORE, env })
        const admin = `http://127.0.0.1:${adminPort}`
        await startOrStop(proc, () => waitHttp(`${admin}/readyz`, proc, (status) => status === 200))
        return { ...single(proc, `http://127.0.0.1:${port}`), admin }
      }),
  }
}

/** One nginx worker on the server core; `server` is the body of its `server {}` block. */
export function nginx(
  name: string,
  port: number,
  upstreams: (alongside: string | undefined) => string,
  server: string,
  alongside?: Subject,
): Subject {
  return {
    name,
    async start() {
      const side = await alongside?.start()
      try {
        return await onSomePort(port, (port) => startNginx(port, side))
      } catch (error) {
        await side?.stop()
        throw error
      }
    },
  }

  async function startNginx(port: number, side: Running | undefined): Promise<Running> {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-bench-nginx-'))
    const conf = `worker_processes 1;
daemon off;
master_process on;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_http_version 1.1;
  proxy_max_temp_file_size 0;
  keepalive_requests 1000000;
  ${upstreams(side?.url)}
  server {
    listen 127.0.0.1:${port};
    ${server}
  }
}
`
    await writeFile(join(dir, 'nginx.conf'), conf)
    const proc = launch(name, '/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
      core: SERVER_CORE,
    })
    const url = `http://127.0.0.1:${port}`
    try {
      await startOrStop(proc, () => waitHttp(`${url}/`, proc, () => true))
    } catch (error) {
      await rm(dir, { recursive: true, force: true })
      throw error
    }
    return {
      url,
      procs: side ? [proc, ...side.procs] : [proc],
      async stop() {
        await proc.stop()
        await side?.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
  }
}
