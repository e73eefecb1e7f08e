import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import {
  type CookieJar,
  createCookieJar,
  type FakeFxa,
  loginWithForm,
  startFakeFxa,
} from '../../dev/fake-fxa/index.ts'
import { buildGate, type Gate } from '../../src/app.ts'
import type { Config } from '../../src/config/derive.ts'
import { formatProblems, loadConfig } from '../../src/config/load.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createSecretHolder } from '../../src/secrets/state.ts'
import type { SessionStore } from '../../src/session/types.ts'
import { openStores } from '../../src/storage/open-stores.ts'
import { freePort } from './ports.ts'

export const CLIENT_ID = 'fxa-gate-test'
export const CLIENT_SECRET = 'test-client-secret'

export interface TestGate {
  readonly url: string
  readonly adminUrl: string
  readonly port: number
  readonly config: Config
  readonly gate: Gate
  readonly store: SessionStore
  readonly fxa: FakeFxa
  /** The log lines written so far (parsed JSON), when started with `captureLogs`. */
  logs(): Array<Record<string, unknown>>
  close(): Promise<void>
}

export interface TestGateOptions {
  /** FXA_GATE_* overrides. */
  readonly env?: Record<string, string>
  readonly redisUrl?: string
  readonly publicClient?: boolean
  /** Share a fake FxA between gates; one is started (and closed with the gate) otherwise. */
  readonly fxa?: FakeFxa
  /** Extra redirect URIs for the FxA client (other gates sharing this FxA). */
  readonly port?: number
  readonly cookieSecrets?: string
  /** Keep the log lines in memory (see `TestGate.logs`) instead of discarding them. */
  readonly captureLogs?: boolean
  /** How long to wait for /readyz (the gate is closed again when it never says ready). */
  readonly readyTimeoutMs?: number
  /** Off: every request takes fastify's routes (to compare with the fast path). */
  readonly fastPath?: boolean
}

/** Environment for a gate at `port` against `fxa`: what an operator would set. */
export function gateEnv(
  fxa: FakeFxa,
  port: number,
  adminPort: number,
  options: TestGateOptions,
): Record<string, string> {
  return {
    FXA_GATE_ISSUER: fxa.issuer,
    FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
    FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
    FXA_GATE_CLIENT_ID: CLIENT_ID,
    ...(options.publicClient ? {} : { FXA_GATE_CLIENT_SECRET: CLIENT_SECRET }),
    FXA_GATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    FXA_GATE_LISTEN: `127.0.0.1:${port}`,
    FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
    FXA_GATE_COOKIE_SECURE: 'false',
    FXA_GATE_COOKIE_SECRETS: options.cookieSecrets ?? randomBytes(32).toString('hex'),
    FXA_GATE_LOG_LEVEL: options.captureLogs ? 'info' : (process.env['TEST_LOG_LEVEL'] ?? 'silent'),
    // Generous for a loaded 2-core CI machine; the outage tests stop the fake FxA instead.
    FXA_GATE_BEARER_TIMEOUT: '5s',
    ...(options.redisUrl
      ? {
          FXA_GATE_REDIS_URL: options.redisUrl,
          FXA_GATE_REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:`,
        }
      : {}),
    ...options.env,
  }
}

/** Free ports that are all different from each other (and from `taken`). */
export async function distinctPorts(count: number, taken: readonly number[] = []): Promise<number[]> {
  const ports = new Set<number>()
  while (ports.size < count) {
    const port = await freePort()
    if (!taken.includes(port)) ports.add(port)
  }
  return [...ports]
}

/**
 * Starts a fake FxA with one client whose redirect URIs cover the given gate ports. It listens on
 * a port of its own choosing that is none of them, so a gate never finds its port taken.
 */
export async function startTestFxa(ports: number[], publicClient = false): Promise<FakeFxa> {
  const port = (await distinctPorts(1, ports))[0]!
  return startFakeFxa({
    port,
    clients: [
      {
        clientId: CLIENT_ID,
        ...(publicClient ? {} : { clientSecret: CLIENT_SECRET }),
        redirectUris: ports.map((port) => `http://127.0.0.1:${port}/_gate/callback`),
      },
    ],
    logError: () => {},
  } as Parameters<typeof startFakeFxa>[0])
}

/** Builds and starts fxa-gate in this process on free ports, with its real store. */
export async function startTestGate(options: TestGateOptions = {}): Promise<TestGate> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTestGateOnce(options)
    } catch (error) {
      // Another process on this shared machine took a port between freePort() and the bind (the
      // fake FxA and discovery run in between): start again on other ports.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw error
    }
  }
}

async function startTestGateOnce(options: TestGateOptions): Promise<TestGate> {
  const port = options.port ?? (await freePort())
  const adminPort = (await distinctPorts(1, [port]))[0]!
  const ownFxa = options.fxa === undefined
  const fxa = options.fxa ?? (await startTestFxa([port], options.publicClient))
  const env = gateEnv(fxa, port, adminPort, options)
  const result = loadConfig({ env, readFile: () => '' })
  if (!result.ok) throw new Error(`test configuration invalid:\n${formatProblems(result.problems)}`)
  const config = result.config
  const lines: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const logger = createLogger({
    level: config.logLevel,
    ...(options.captureLogs ? { destination } : {}),
  })
  // Wired like lifecycle/serve.ts: one registry and one secret state for the stores and the gate.
  const metrics = createMetrics()
  const secrets = createSecretHolder(config, { clock: Date.now, metrics, logger })
  const stores = openStores(config, { logger, metrics, keys: () => secrets.current().keys })
  const store = stores.sessions
  const gate = buildGate(config, {
    store,
    tokenStore: stores.tokens,
    eventState: stores.events,
    revalidationLocks: stores.locks,
    tokenReaperStore: stores.reaper,
    credentialMarks: stores.marks,
    nodeStore: stores.nodes,
    redis: stores.redis,
    logger,
    metrics,
    secrets,
    fastPath: options.fastPath,
  })
  try {
    gate.start()
    await gate.ctx.provider.discover()
    await gate.app.listen({ host: '127.0.0.1', port })
    await gate.admin.listen({ host: '127.0.0.1', port: adminPort })
    await untilReady(`http://127.0.0.1:${adminPort}`, options.readyTimeoutMs)
  } catch (error) {
    await gate.close()
    await stores.close()
    if (ownFxa) await fxa.close()
    throw error
  }
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    port,
    config,
    gate,
    store,
    fxa,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async close() {
      await gate.close()
      await stores.close()
      if (ownFxa) await fxa.close()
    },
  }
}

/**
 * Waits until /readyz says ready and /healthz?verbose says its dependencies answer (Redis
 * connected, discovery loaded), at most `timeoutMs`: readiness itself no longer waits for them.
 */
export async function untilReady(adminUrl: string, timeoutMs = 10_000): Promise<void> {
  for (let attempt = 0; attempt < timeoutMs / 50; attempt++) {
    try {
      const ready = await fetch(`${adminUrl}/readyz`)
      const health = await fetch(`${adminUrl}/healthz?verbose`)
      const { checks } = (await health.json()) as { checks: Record<string, string> }
      if (ready.ok && Object.values(checks).every((value) => value === 'ok')) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${adminUrl} did not become ready`)
}

/**
 * Logs in through fxa-gate as a browser would: /start → fake FxA form → /callback. Returns the
 * final redirect (the return URL) and leaves the session cookie in the jar.
 */
export async function loginThroughGate(
  jar: CookieJar,
  gateUrl: string,
  email: string,
  options: { rd?: string; cancel?: boolean; startUrl?: string } = {},
): Promise<Response> {
  const start =
    options.startUrl ?? `${gateUrl}/_gate/start${options.rd ? `?rd=${encodeURIComponent(options.rd)}` : ''}`
  const started = await jar.fetch(start)
  const authorization = started.headers.get('location')
  if (started.status !== 302 || authorization === null) {
    throw new Error(`login start answered ${started.status}: ${await started.text()}`)
  }
  const callback = await loginWithForm(jar.fetch, authorization, email, { cancel: options.cancel })
  return jar.fetch(callback)
}

export { type CookieJar, createCookieJar }
