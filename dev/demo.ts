/**
 * `make demo`: the fake FxA, fxa-gate (sidecar mode) and an echo app, wired together on this
 * machine. fxa-gate and the app are on 127.0.0.1 and the fake FxA on localhost: two sites, as in
 * production, so FxA's cookies never reach the app. The app has a staff-only area, a two-step area
 * and a premium area, so each of fxa-gate's pages (403, step-up, subscribe, signed out, sessions)
 * can be seen.
 * Sessions live in memory, or in Redis when FXA_GATE_REDIS_URL is set or one answers on
 * 127.0.0.1:6379. `--smoke` logs in once like a browser, checks the echo app saw the identity, and
 * exits (used by the test suite so `make demo` cannot silently rot).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { get } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startDemoAccountPages } from './demo-account.ts'
import { startEchoApp } from './echo-app.ts'
import { createCookieJar, loginWithForm, startFakeFxa } from './fake-fxa/index.ts'

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'gate-port': { type: 'string', default: process.env['DEMO_GATE_PORT'] ?? '4180' },
    'admin-port': { type: 'string', default: process.env['DEMO_ADMIN_PORT'] ?? '9180' },
    'fxa-port': { type: 'string', default: process.env['DEMO_FXA_PORT'] ?? '9010' },
    'app-port': { type: 'string', default: process.env['DEMO_APP_PORT'] ?? '3000' },
    'account-port': { type: 'string', default: process.env['DEMO_ACCOUNT_PORT'] ?? '0' },
  },
})
const gatePort = Number(values['gate-port'])
const gateUrl = `http://127.0.0.1:${gatePort}`
const root = join(import.meta.dirname, '..')

function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 300 })
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })
}

function waitForReady(adminUrl: string, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000
    child.once('exit', (code) => reject(new Error(`fxa-gate exited with code ${code}`)))
    const poll = async () => {
      try {
        if ((await fetch(`${adminUrl}/readyz`)).ok) return resolve()
      } catch {}
      if (Date.now() > deadline) return reject(new Error('fxa-gate did not become ready in 20 s'))
      setTimeout(poll, 150)
    }
    void poll()
  })
}

/** The demo's rules: who may enter which area of the echo app. */
const RULES = [
  { paths: ['/staff/*'], allowedDomains: ['staff.example'] },
  { paths: ['/two-step/*'], minAal: 2 },
  { paths: ['/premium/*'], requiredCapabilities: ['demo-premium'] },
]

const app = await startEchoApp({ port: Number(values['app-port']) })
const fxaPort = Number(values['fxa-port'])
const fxa = await startFakeFxa({
  port: fxaPort,
  issuer: `http://localhost:${fxaPort}`,
  clients: [
    { clientId: 'fxa-gate-demo', clientSecret: 'demo-secret', redirectUris: [`${gateUrl}/_gate/callback`] },
  ],
  users: [
    {
      uid: '6d940dd41e636cc156074109b8092f96',
      email: 'demo@example.com',
      displayName: 'Demo Person',
      locale: 'en-US',
      subscriptions: ['demo-premium'],
    },
    { uid: 'a5e1b1f2c3d4e5f60718293a4b5c6d7e', email: 'staff@staff.example', displayName: 'Staff Person' },
  ],
})
const account = await startDemoAccountPages({
  fxa,
  eventsUrl: `${gateUrl}/_gate/events/fxa`,
  host: '127.0.0.1',
  port: Number(values['account-port']),
  gateOrigin: gateUrl,
})
let redisUrl = process.env['FXA_GATE_REDIS_URL']
if (redisUrl === undefined && (await redisAnswers(6379))) redisUrl = 'redis://127.0.0.1:6379'

const built = join(root, 'dist/main.js')
const entry = existsSync(built) ? built : join(root, 'src/main.ts')
const gate = spawn(process.execPath, [entry, 'serve'], {
  stdio: ['ignore', values.smoke ? 'ignore' : 'inherit', 'inherit'],
  env: {
    ...process.env,
    FXA_GATE_ISSUER: fxa.issuer,
    FXA_GATE_FXA_OAUTH_URL: fxa.oauthUrl,
    FXA_GATE_FXA_PROFILE_URL: fxa.profileUrl,
    FXA_GATE_CLIENT_ID: 'fxa-gate-demo',
    FXA_GATE_CLIENT_SECRET: 'demo-secret',
    FXA_GATE_PUBLIC_URL: gateUrl,
    FXA_GATE_LISTEN: `127.0.0.1:${gatePort}`,
    FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${values['admin-port']}`,
    FXA_GATE_UPSTREAM: app.url,
    FXA_GATE_PUBLIC_PATHS: '/public/*',
    FXA_GATE_RULES: JSON.stringify(RULES),
    FXA_GATE_SUBSCRIBE_URL: `${account.url}/subscribe`,
    FXA_GATE_ACCOUNT_SETTINGS_URL: `${account.url}/settings`,
    FXA_GATE_BRANDING_PRODUCT_NAME: 'Echo demo',
    FXA_GATE_BRANDING_PLAN_NAMES: JSON.stringify({ 'demo-premium': 'Demo Premium' }),
    FXA_GATE_COOKIE_SECURE: 'false',
    FXA_GATE_COOKIE_SECRETS: randomBytes(32).toString('hex'),
    FXA_GATE_LOG_LEVEL: process.env['FXA_GATE_LOG_LEVEL'] ?? 'info',
    ...(redisUrl ? { FXA_GATE_REDIS_URL: redisUrl } : {}),
  },
})

async function shutdown(code: number): Promise<never> {
  gate.kill('SIGTERM')
  await Promise.allSettled([fxa.close(), app.close(), account.close()])
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))

try {
  await waitForReady(`http://127.0.0.1:${values['admin-port']}`, gate)
} catch (error) {
  console.error(`demo: ${(error as Error).message}`)
  await shutdown(1)
}

if (values.smoke) {
  const jar = createCookieJar()
  const start = await jar.fetch(`${gateUrl}/`, { headers: { accept: 'text/html' } })
  const login = start.headers.get('location')
  const started = await jar.fetch(new URL(login ?? '/', gateUrl))
  const callback = await loginWithForm(jar.fetch, started.headers.get('location') ?? '', 'demo@example.com')
  const landed = await jar.fetch(callback)
  const page = await jar.fetch(new URL(landed.headers.get('location') ?? '/', gateUrl), {
    headers: { accept: 'application/json' },
  })
  const seen = (await page.json()) as { headers: Record<string, string> }
  // As a browser's navigation (fetch always says Sec-Fetch-Mode: cors, which an API call does).
  const browse = (path: string) =>
    new Promise<{ status: number; location: string; body: string }>((resolve, reject) => {
      const url = `${gateUrl}${path}`
      const headers = { accept: 'text/html', 'sec-fetch-mode': 'navigate', cookie: jar.cookieHeader(url) }
      get(url, { headers }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, location: response.headers.location ?? '', body }),
        )
      }).on('error', reject)
    })
  const staff = await browse('/staff/')
  const stepUp = await browse('/two-step/')
  const premium = await browse('/premium/')
  const checks = {
    identity: page.status === 200 && seen.headers['x-user-email'] === 'demo@example.com',
    staff: staff.status === 403 && staff.body.includes('This area is for staff.example accounts.'),
    stepUp: stepUp.status === 302 && stepUp.location.includes('acr_values=AAL2'),
    premium: premium.status === 200,
  }
  const failed = Object.entries(checks).filter(([, passed]) => !passed)
  const ok = failed.length === 0
  console.log(
    ok
      ? `demo smoke: OK (X-User-Id ${seen.headers['x-user-id']}, store ${redisUrl ? 'redis' : 'memory'})`
      : `demo smoke: FAILED (${failed.map(([name]) => name).join(', ')})`,
  )
  await shutdown(ok ? 0 : 1)
}

console.log(`
  fxa-gate demo is running (sessions in ${redisUrl ? `Redis at ${redisUrl}` : 'memory'}).

    Open ${gateUrl}/
    Sign in on the fake FxA with any email and any password. The echo app behind fxa-gate then
    shows the X-User-* headers it received, and links to three areas:
      /staff/     only staff.example accounts (staff@staff.example): others see a 403 page
      /two-step/  two-step authentication: a step-up to the fake FxA; turn two-step on in the
                  fake account settings (${account.url}/settings) to get through
      /premium/   the Demo Premium subscription (demo@example.com has it): others are sent to a
                  fake subscription page, which tells fxa-gate like FxA does
    Send Accept-Language: de (or fr, es, it) to see the pages in another language.

    fake FxA      ${fxa.issuer}
    echo app      ${app.url}  (direct, unauthenticated: compare)
    whoami        ${gateUrl}/_gate/userinfo
    your sessions ${gateUrl}/_gate/sessions
    sign out      ${gateUrl}/_gate/logout
    metrics       http://127.0.0.1:${values['admin-port']}/metrics

  Ctrl-C stops everything.
`)
