/**
 * A real kube-apiserver (with etcd embedded) for the tests: the Go program in test/k8s/apiserver/,
 * built once into .tools/k8s/<hash>/ by its build.sh (with kubectl from the same module).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { freePort } from './ports.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const STARTUP_TIMEOUT_MS = 60_000

export interface KubeTools {
  readonly apiserver: string
  readonly kubectl: string
}

/** Builds the API server and kubectl when their cached copy is missing; returns their paths. */
export function ensureKubeTools(): KubeTools {
  const path = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}:/usr/local/go/bin`
  const dir = execFileSync(join(ROOT, 'test/k8s/apiserver/build.sh'), {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PATH: path },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim()
  return { apiserver: join(dir, 'kube-apiserver-test'), kubectl: join(dir, 'kubectl') }
}

export interface KubeApiserver {
  /** `https://127.0.0.1:<port>` */
  readonly url: string
  /** A kubeconfig for an administrator (system:masters), everything inline. */
  readonly kubeconfig: string
  readonly kubectlPath: string
  /** The CA, client certificate and key of the kubeconfig, PEM. */
  readonly ca: string
  readonly adminCert: string
  readonly adminKey: string
  /** Milliseconds from spawn to a 200 from /readyz. */
  readonly startupMs: number
  stop(): Promise<void>
}

/** GETs a path with the admin certificate; the status and body. */
export function apiGet(
  server: Pick<KubeApiserver, 'url' | 'ca' | 'adminCert' | 'adminKey'>,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${path}`,
      { ca: server.ca, cert: server.adminCert, key: server.adminKey, timeout: 5000 },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** Starts the API server on a free loopback port and waits for /readyz. */
export async function startKubeApiserver(tools: KubeTools = ensureKubeTools()): Promise<KubeApiserver> {
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-kube-'))
    const port = await freePort()
    const started = Date.now()
    const child = spawn(tools.apiserver, ['--dir', dir, '--port', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let log = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      log = (log + chunk).slice(-20_000)
    })
    try {
      const server = await waitReady(child, dir, port, () => log)
      return {
        ...server,
        kubectlPath: tools.kubectl,
        startupMs: Date.now() - started,
        stop: async () => {
          await stopChild(child)
          await rm(dir, { recursive: true, force: true })
        },
      }
    } catch (error) {
      await stopChild(child)
      await rm(dir, { recursive: true, force: true })
      // A port taken between freePort() and the bind: try another.
      if (attempt < 3 && /address already in use/.test(log)) continue
      throw error
    }
  }
}

async function waitReady(child: ChildProcess, dir: string, port: number, log: () => string) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  const url = `https://127.0.0.1:${port}`
  let pki: { ca: string; adminCert: string; adminKey: string } | undefined
  while (Date.now() < deadline) {
    if (exited) throw new Error(`kube-apiserver exited during start-up:\n${log().slice(-4000)}`)
    try {
      pki ??= {
        ca: await readFile(join(dir, 'pki/ca.crt'), 'utf8'),
        adminCert: await readFile(join(dir, 'pki/admin.crt'), 'utf8'),
        adminKey: await readFile(join(dir, 'pki/admin.key'), 'utf8'),
      }
      const { status } = await apiGet({ url, ...pki }, '/readyz')
      if (status === 200) return { url, kubeconfig: join(dir, 'kubeconfig'), ...pki }
    } catch {
      // not listening yet, or the PKI is still being written
    }
    await sleep(100)
  }
  throw new Error(`kube-apiserver not ready after ${STARTUP_TIMEOUT_MS} ms:\n${log().slice(-4000)}`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** Runs kubectl against a server; rejects with its stderr when it fails. */
export function kubectl(
  server: Pick<KubeApiserver, 'kubeconfig' | 'kubectlPath'>,
  args: readonly string[],
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      server.kubectlPath,
      ['--kubeconfig', server.kubeconfig, ...args],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new KubectlError(args, stderr || error.message))
        else resolve(stdout)
      },
    )
    child.stdin?.end(input ?? '')
  })
}

export class KubectlError extends Error {
  readonly stderr: string
  constructor(args: readonly string[], stderr: string) {
    super(`kubectl ${args.join(' ')} failed:\n${stderr}`)
    this.stderr = stderr
  }
}
