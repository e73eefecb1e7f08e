import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { createCookieJar, loginWithForm, startFakeFxa } from '../../dev/fake-fxa/index.ts'
import { freePort } from '../../test/support/ports.ts'
import { startRedis } from '../../test/support/redis.ts'
import {
  idTokenFor,
  loginThroughOauth2Proxy,
  newCookieSecret,
  OAUTH2_PROXY_CLIENT,
  oauth2Proxy,
} from './oauth2-proxy.ts'
import { LOAD_CORE, launch, waitHttp } from './proc.ts'
import { fxaGate, goServer, nginx, nodeServer, ROOT, type Subject, TOOLS } from './subjects.ts'

async function pin(pid: number): Promise<void> {
  await new Promise((resolve) => execFile('taskset', ['-a', '-p', '-c', LOAD_CORE, String(pid)], resolve))
}

async function withRunning<T>(subject: Subject, work: () => Promise<T>): Promise<T> {
  const running = await subject.start()
  try {
    return await work()
  } finally {
    await running.stop()
  }
}

/**
 * Everything the servers under test share, on the load core: one Redis, one fake FxA, one upstream;
 * every subject, and credentials from real logins (sessions live in Redis, so fresh processes with
 * the same secrets keep them).
 */
/** The image's V8 heap settings (Dockerfile, chart nodeOptions). */
const SHIPPED_NODE_ARGS = '--max-semi-space-size=2 --max-old-space-size=128'

export async function startWorld(options: { gateEnv?: Record<string, string> } = {}) {
  const VEGETA = join(TOOLS, 'vegeta')
  const HAVE_GO_TOOLS = existsSync(join(TOOLS, 'oauth2-proxy')) && existsSync(VEGETA)
  if (!HAVE_GO_TOOLS)
    console.log('oauth2-proxy or vegeta missing in .tools/bin (no Go?): their rows are skipped')

  const port = () => freePort()
  const redis = await startRedis()
  await pin(redis.pid)
  const ports = {
    gate: await port(),
    gateAdmin: await port(),
    o2p: await port(),
    upstream: await port(),
    bare: await port(),
    plain: await port(),
    engine: await port(),
    goBare: await port(),
    goProxy: await port(),
    nginx: await port(),
  }
  const gateUrl = `http://127.0.0.1:${ports.gate}`
  const o2pUrl = `http://127.0.0.1:${ports.o2p}`
  const upstream = `http://127.0.0.1:${ports.upstream}`
  const fxa = await startFakeFxa({
    clients: [
      { clientId: 'bench', clientSecret: 'bench-secret', redirectUris: [`${gateUrl}/_gate/callback`] },
      { ...OAUTH2_PROXY_CLIENT, redirectUris: [`${o2pUrl}/oauth2/callback`] },
    ],
  })
  const upstreamProc = launch('upstream', process.execPath, [join(ROOT, 'bench/servers/upstream.ts')], {
    core: LOAD_CORE,
    env: { PORT: String(ports.upstream) },
  })
  await waitHttp(`${upstream}/`, upstreamProc)

  const gateEnv = {
    FXA_GATE_ISSUER: fxa.issuer,
    FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
    FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
    FXA_GATE_CLIENT_ID: 'bench',
    FXA_GATE_CLIENT_SECRET: 'bench-secret',
    // Bearer tokens are credentials only where something names who may use them.
    FXA_GATE_BEARER_ALLOWED_CLIENTS: 'bench',
    FXA_GATE_PUBLIC_URL: gateUrl,
    FXA_GATE_LISTEN: `127.0.0.1:${ports.gate}`,
    FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${ports.gateAdmin}`,
    FXA_GATE_COOKIE_SECURE: 'false',
    FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
    FXA_GATE_REDIS_URL: redis.url,
    FXA_GATE_UPSTREAM: upstream,
    FXA_GATE_TRUSTED_PROXIES: '127.0.0.1/32',
    FXA_GATE_LOG_LEVEL: 'warn',
    ...options.gateEnv,
  }
  const gateSetup = { env: gateEnv, port: ports.gate, adminPort: ports.gateAdmin }
  // What the image and the chart run with (Dockerfile NODE_OPTIONS, values.yaml nodeOptions), so
  // the bench measures what ships; BENCH_GATE_NODE_ARGS='' for node's defaults.
  const gateNodeArgs = (process.env['BENCH_GATE_NODE_ARGS'] ?? SHIPPED_NODE_ARGS).split(' ').filter(Boolean)
  const S = {
    gate: fxaGate('fxa-gate', gateSetup, gateNodeArgs),
    o2p: oauth2Proxy(
      'oauth2-proxy',
      { port: ports.o2p, issuer: fxa.issuer, redisUrl: redis.url, upstream },
      newCookieSecret(),
    ),
    bare: nodeServer('bare fastify', 'bare-fastify.ts', ports.bare),
    plain: nodeServer('@fastify/http-proxy', 'plain-proxy.ts', ports.plain, { UPSTREAM: upstream }),
    engine: nodeServer('new engine (src/proxy/forward)', 'forward-engine.ts', ports.engine, {
      UPSTREAM: upstream,
    }),
    goBare: goServer('Go net/http', 'bench-go-bare', ports.goBare),
    goProxy: goServer('Go ReverseProxy', 'bench-go-reverse-proxy', ports.goProxy, { UPSTREAM: upstream }),
  }
  const keepalive = (name: string, target: number | string) =>
    `upstream ${name} { server 127.0.0.1:${target}; keepalive 64; }`
  const portOf = (url: string | undefined) => new URL(url ?? 'http://127.0.0.1:1').port
  const proxyTo = (name: string) =>
    `proxy_pass http://${name}; proxy_set_header Connection ""; proxy_set_header Host $host;`
  const authTo = (name: string, path: string) => `
      location = /_auth { internal; proxy_pass http://${name}${path}; proxy_pass_request_body off;
        proxy_set_header Content-Length ""; proxy_set_header Connection "";
        proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
        proxy_set_header X-Original-Method $request_method; }
      location / { auth_request /_auth; auth_request_set $user $upstream_http_x_auth_request_user;
        proxy_set_header X-Auth-Request-User $user; ${proxyTo('app')} }`
  const N = {
    proxy: nginx(
      'nginx',
      ports.nginx,
      () => keepalive('app', ports.upstream),
      `location / { ${proxyTo('app')} }`,
    ),
    authGate: nginx(
      'nginx + fxa-gate',
      ports.nginx,
      (auth) => `${keepalive('app', ports.upstream)} ${keepalive('auth', portOf(auth))}`,
      authTo('auth', '/_gate/auth/nginx'),
      S.gate,
    ),
    authO2p: nginx(
      'nginx + oauth2-proxy',
      ports.nginx,
      (auth) => `${keepalive('app', ports.upstream)} ${keepalive('auth', portOf(auth))}`,
      authTo('auth', '/oauth2/auth'),
      S.o2p,
    ),
  }

  const gateCookie = await withRunning(S.gate, async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gateUrl}/_gate/start`)
    await jar.fetch(await loginWithForm(jar.fetch, started.headers.get('location')!, 'bench@example.org'))
    return jar.cookieHeader(gateUrl)
  })
  const o2pCookie = HAVE_GO_TOOLS
    ? await withRunning(S.o2p, () => loginThroughOauth2Proxy(o2pUrl, 'bench@example.org'))
    : ''
  const benchUid = 'b'.repeat(32)
  fxa.users.set(benchUid, { uid: benchUid, email: 'api@example.org' })
  const gateToken = await fxa.issueAccessToken({ uid: benchUid, clientId: 'bench', scope: 'profile' })
  const o2pToken = HAVE_GO_TOOLS
    ? await idTokenFor(fxa.issuer, `${o2pUrl}/oauth2/callback`, 'bench@example.org')
    : ''
  const redisBytes = await sessionBytes(redis.url)

  return {
    S,
    gateSetup,
    N,
    ports,
    fxa,
    redis,
    redisBytes,
    gateCookie,
    o2pCookie,
    gateToken,
    o2pToken,
    HAVE_GO_TOOLS,
    VEGETA,
    async stop() {
      await upstreamProc.stop()
      await fxa.close()
      await redis.stop()
    },
  }
}

/** Redis bytes (MEMORY USAGE) of one session for each proxy, by key prefix. */
async function sessionBytes(
  url: string,
): Promise<{ gate: number; gateKeys: number; o2p: number; o2pKeys: number }> {
  const client = new Redis(url)
  const out = { gate: 0, gateKeys: 0, o2p: 0, o2pKeys: 0 }
  for (const key of await client.keys('*')) {
    const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
    if (key.startsWith('_oauth2_proxy')) {
      out.o2p += bytes
      out.o2pKeys++
    } else {
      out.gate += bytes
      out.gateKeys++
    }
  }
  client.disconnect()
  return out
}
