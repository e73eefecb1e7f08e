import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type CookieJar, createCookieJar, type FakeFxa, uidForEmail } from '../../dev/fake-fxa/index.ts'
import {
  CLIENT_ID,
  gateEnv,
  loginThroughGate,
  startTestFxa,
  startTestGate,
  type TestGate,
} from '../support/gate.ts'
import { freePort } from '../support/ports.ts'

/**
 * Account events across two fxa-gate processes sharing one Redis: A runs in this process, B is a
 * real `node src/main.ts` child. Sessions are cached locally in both (10 s), so every effect seen on
 * the other process travelled through Redis pub/sub.
 */

const redisUrl = inject('redisUrl')
const root = join(import.meta.dirname, '../..')
const EVENT = (name: string) => `https://schemas.accounts.firefox.com/event/${name}`
const PREFIX = `ev${randomBytes(4).toString('hex')}:`
const COOKIE_SECRETS = randomBytes(32).toString('hex')
const COOKIE = 'fxa_gate'

interface Process {
  readonly url: string
  readonly adminUrl: string
}

let fxa: FakeFxa
let a: TestGate
let b: Process & { child: ChildProcess; output: () => string }
let redis: Redis

/** What both gates share: the FxA, Redis and its key prefix, the cookie secrets (a cookie is valid on both). */
const ADMIN_TOKEN = 'events-test-admin-token-'.repeat(2)
const sharedEnv = { FXA_GATE_REDIS_KEY_PREFIX: PREFIX, FXA_GATE_ADMIN_TOKEN: ADMIN_TOKEN }

async function startChildGate(
  port: number,
): Promise<Process & { child: ChildProcess; output: () => string }> {
  const adminPort = await freePort()
  const env = gateEnv(fxa, port, adminPort, { redisUrl, cookieSecrets: COOKIE_SECRETS, env: sharedEnv })
  const child = spawn(process.execPath, [join(root, 'src/main.ts')], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const adminUrl = `http://127.0.0.1:${adminPort}`
  const deadline = Date.now() + 30_000
  for (;;) {
    const ready = await fetch(`${adminUrl}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ready) break
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`child gate did not start:\n${output}`)
    await sleep(50)
  }
  return { url: `http://127.0.0.1:${port}`, adminUrl, child, output: () => output }
}

function cookieOf(jar: CookieJar, url: string): string {
  const value = new RegExp(`(?:^|; )${COOKIE}=([^;]+)`).exec(jar.cookieHeader(url))?.[1]
  if (value === undefined) throw new Error('no session cookie')
  return value
}

/** Logs `email` in through `gate` in a fresh browser; returns the session cookie value. */
async function login(gate: Process, email: string): Promise<string> {
  const jar = createCookieJar()
  const landed = await loginThroughGate(jar, gate.url, email)
  expect(landed.status).toBe(302)
  return cookieOf(jar, gate.url)
}

function userinfo(gate: Process, cookie: string) {
  return fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie: `${COOKIE}=${cookie}` } })
}

async function status(gate: Process, cookie: string): Promise<number> {
  return (await userinfo(gate, cookie)).status
}

function postEvent(gate: Process, token: string | undefined, headers: Record<string, string> = {}) {
  return fetch(`${gate.url}/_gate/events/fxa`, {
    method: 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  })
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(2)
  }
}

/** Every key under the shared prefix with its contents, as text. */
async function redisContents(): Promise<Map<string, string>> {
  const contents = new Map<string, string>()
  for (const key of await redis.keys(`${PREFIX}*`)) {
    const type = await redis.type(key)
    const value =
      type === 'string'
        ? await redis.get(key)
        : type === 'hash'
          ? JSON.stringify(await redis.hgetall(key))
          : type === 'set'
            ? JSON.stringify(await redis.smembers(key))
            : type === 'list'
              ? JSON.stringify(await redis.lrange(key, 0, -1))
              : type === 'zset'
                ? JSON.stringify(await redis.zrange(key, '0', '-1'))
                : `(${type})`
    contents.set(key, value ?? '')
  }
  return contents
}

function mentioning(contents: Map<string, string>, ...needles: string[]): string[] {
  return [...contents]
    .filter(([key, value]) => needles.some((n) => key.includes(n) || value.includes(n)))
    .map(([key]) => key)
}

beforeAll(async () => {
  const ports = [await freePort(), await freePort()]
  fxa = await startTestFxa(ports)
  redis = new Redis(redisUrl)
  a = await startTestGate({ fxa, port: ports[0], redisUrl, cookieSecrets: COOKIE_SECRETS, env: sharedEnv })
  b = await startChildGate(ports[1]!)
})

afterAll(async () => {
  if (b?.child.exitCode === null) {
    const exited = new Promise((resolve) => b.child.once('exit', resolve))
    process.kill(b.child.pid!, 'SIGTERM')
    await exited
  }
  await a?.close()
  await fxa?.close()
  redis?.disconnect()
})

describe('password-change', () => {
  it('ends the sessions begun before it on both processes within a second; a later session survives', async () => {
    const email = 'pat@example.org'
    const uid = uidForEmail(email)
    const onA = await login(a, email)
    const onB = await login(b, email)
    const gates = [a, b]
    // Both sessions answer on both processes, and are now in both local caches.
    for (const gate of gates) for (const cookie of [onA, onB]) expect(await status(gate, cookie)).toBe(200)

    const changeTime = Date.now()
    await sleep(5)
    const later = await login(b, email)

    const token = await fxa.signSet({ sub: uid, events: { [EVENT('password-change')]: { changeTime } } })
    const started = performance.now()
    const response = await postEvent(a, token)
    const acknowledged = performance.now()
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'processed' })
    await until(async () => {
      const statuses = await Promise.all(
        gates.flatMap((gate) => [onA, onB].map((cookie) => status(gate, cookie))),
      )
      return statuses.every((s) => s === 401)
    })
    const refused = performance.now()
    console.info(
      `password-change: both sessions refused on both processes ${(refused - started).toFixed(1)} ms after the POST began ` +
        `(${(refused - acknowledged).toFixed(1)} ms after its 2xx)`,
    )
    expect(refused - started).toBeLessThan(3000)

    for (const gate of gates) expect(await status(gate, later)).toBe(200)
  })
})

describe('delete-user', () => {
  it('ends every session and leaves no key in Redis that mentions the user', async () => {
    const email = 'dee@example.org'
    const uid = uidForEmail(email)
    const onA = await login(a, email)
    const onB = await login(b, email)
    // A bearer-token result cached for the user, and a subscription change time.
    const token = await fxa.issueAccessToken({ uid, clientId: CLIENT_ID, scope: 'profile' })
    const asked = await fetch(`${b.url}/_gate/auth/nginx?required_scopes=profile`, {
      headers: { 'x-original-url': 'https://app.example.com/x', authorization: `Bearer ${token}` },
    })
    expect(asked.status).toBe(200)
    const subscribed = await fxa.signSet({
      sub: uid,
      events: {
        [EVENT('subscription-state-change')]: {
          capabilities: ['pro'],
          isActive: true,
          changeTime: Date.now(),
        },
      },
    })
    expect((await postEvent(b, subscribed)).status).toBe(200)
    const before = mentioning(await redisContents(), uid, email)
    // The scan sees the session records, the user index, the token result and its index, the change times.
    const kinds = before.map((key) => key.slice(PREFIX.length).split(':')[0])
    expect(kinds).toEqual(expect.arrayContaining(['s', 's', 'u', 'eu']))
    expect(before.length).toBeGreaterThanOrEqual(6)

    const erase = await fxa.signSet({ sub: uid, events: { [EVENT('delete-user')]: {} } })
    expect((await postEvent(a, erase)).status).toBe(200)

    expect(mentioning(await redisContents(), uid, email)).toEqual([])
    for (const gate of [a, b]) for (const cookie of [onA, onB]) expect(await status(gate, cookie)).toBe(401)
    // B's own in-process copy of the token result went too: it asks FxA again.
    const introspections = fxa.calls.introspect
    await fetch(`${b.url}/_gate/auth/nginx?required_scopes=profile`, {
      headers: { 'x-original-url': 'https://app.example.com/x', authorization: `Bearer ${token}` },
    })
    expect(fxa.calls.introspect).toBe(introspections + 1)
  })
})

describe('profile-change', () => {
  it('shows the new email on the next request through either process', async () => {
    const email = 'pam@example.org'
    const uid = uidForEmail(email)
    const onA = await login(a, email)
    const onB = await login(b, email)
    for (const gate of [a, b]) expect(await (await userinfo(gate, onA)).json()).toMatchObject({ email })

    const user = fxa.users.get(uid)!
    user.email = 'pam.new@example.org'
    user.displayName = 'Pam New'
    const token = await fxa.signSet({ sub: uid, events: { [EVENT('profile-change')]: {} } })
    expect((await postEvent(b, token)).status).toBe(200)

    for (const gate of [a, b]) {
      for (const cookie of [onA, onB]) {
        expect(await (await userinfo(gate, cookie)).json()).toMatchObject({
          email: 'pam.new@example.org',
          displayName: 'Pam New',
        })
      }
    }
    const proxied = await fetch(`${a.url}/_gate/auth/nginx`, {
      headers: { 'x-original-url': 'https://app.example.com/x', cookie: `${COOKIE}=${onB}` },
    })
    expect(proxied.status).toBe(200)
    expect(proxied.headers.get('x-user-email')).toBe('pam.new@example.org')
  })

  it('asks for redelivery (503) while FxA cannot serve the profile, and applies it when redelivered', async () => {
    const email = 'pia@example.org'
    const uid = uidForEmail(email)
    const session = await login(a, email)
    fxa.users.get(uid)!.email = 'pia.new@example.org'
    const token = await fxa.signSet({ sub: uid, events: { [EVENT('profile-change')]: {} } })
    fxa.setFailure('profile', { status: 503 })
    try {
      const refused = await postEvent(a, token)
      expect(refused.status).toBe(503)
      expect(await (await userinfo(b, session)).json()).toMatchObject({ email })
    } finally {
      fxa.setFailure('profile', null)
    }
    const redelivered = await postEvent(a, token)
    expect(await redelivered.json()).toEqual({ status: 'processed' })
    expect(await (await userinfo(b, session)).json()).toMatchObject({ email: 'pia.new@example.org' })
  })
})

describe('subscription-state-change', () => {
  it('keeps the newest capabilities when events arrive out of order, on both processes', async () => {
    const email = 'sam@example.org'
    const uid = uidForEmail(email)
    const session = await login(a, email)
    const t = Date.now()
    const change = (isActive: boolean, at: number) =>
      fxa.signSet({
        sub: uid,
        events: { [EVENT('subscription-state-change')]: { capabilities: ['pro'], isActive, changeTime: at } },
      })
    const subscriptions = async (gate: Process) =>
      ((await (await userinfo(gate, session)).json()) as { subscriptions: string[] }).subscriptions

    expect((await postEvent(a, await change(true, t + 2000))).status).toBe(200)
    expect((await postEvent(b, await change(false, t + 1000))).status).toBe(200) // older, delivered late
    for (const gate of [a, b]) expect(await subscriptions(gate)).toEqual(['pro'])
    expect((await postEvent(b, await change(false, t + 3000))).status).toBe(200)
    expect((await postEvent(a, await change(true, t + 2500))).status).toBe(200)
    for (const gate of [a, b]) expect(await subscriptions(gate)).toEqual([])
  })
})

describe('invalid account events', () => {
  it('change nothing: bad signature, wrong aud or iss, iat far ahead, alg none, replayed jti, no token', async () => {
    const email = 'ivy@example.org'
    const uid = uidForEmail(email)
    const session = await login(b, email)
    const events = { [EVENT('delete-user')]: {} }
    const eventKeys = async () => (await redis.keys(`${PREFIX}ej:*`)).length
    const keysBefore = await eventKeys()
    const forged = {
      'bad signature': await fxa.signSet({ sub: uid, events, key: 'foreign' }),
      'wrong aud': await fxa.signSet({ sub: uid, events, aud: 'another-client' }),
      'wrong iss': await fxa.signSet({ sub: uid, events, iss: 'https://accounts.evil.test' }),
      'iat far in the future': await fxa.signSet({ sub: uid, events, iat: Date.now() / 1000 + 3600 }),
      'alg none': await fxa.signSet({ sub: uid, events, alg: 'none' }),
    }
    for (const [name, token] of Object.entries(forged)) {
      for (const gate of [a, b]) {
        const response = await postEvent(gate, token)
        expect(response.status, name).toBe(401)
        expect(await response.json(), name).toMatchObject({ error: 'EVENT_REJECTED' })
      }
    }
    expect((await postEvent(a, undefined)).status).toBe(401)
    expect((await postEvent(a, 'not-a-jwt')).status).toBe(401)
    const valid = await fxa.signSet({ sub: uid, events })
    const duplicate = await fetch(`${a.url}/_gate/events/fxa`, {
      method: 'POST',
      headers: [
        ['authorization', `Bearer ${valid}`],
        ['authorization', `Bearer ${valid}`],
      ],
    })
    expect(duplicate.status).toBe(401)
    for (const gate of [a, b]) expect(await status(gate, session)).toBe(200)
    expect(await eventKeys()).toBe(keysBefore)

    // A valid delete-user, then a new login, then the same SET again: the replay changes nothing.
    expect(await (await postEvent(a, valid, { 'content-type': 'application/json' })).json()).toEqual({
      status: 'processed',
    })
    expect(await status(b, session)).toBe(401)
    const again = await login(b, email)
    for (const gate of [b, a]) {
      const replay = await postEvent(gate, valid)
      expect(replay.status).toBe(200)
      expect(await replay.json()).toEqual({ status: 'replayed' })
    }
    for (const gate of [a, b]) expect(await status(gate, again)).toBe(200)
  })

  it('acknowledges unknown events and users nobody logged in as', async () => {
    const token = await fxa.signSet({
      sub: 'f'.repeat(32),
      events: { [EVENT('something-new')]: { x: 1 }, [EVENT('password-change')]: { changeTime: Date.now() } },
    })
    const response = await postEvent(b, token)
    expect(response.status).toBe(200)
    const metrics = await (await fetch(`${b.adminUrl}/metrics`)).text()
    expect(metrics).toMatch(/fxa_gate_account_events_total\{event="unknown",outcome="ignored"\} [1-9]/)
    expect(metrics).toMatch(/fxa_gate_event_tokens_total\{outcome="rejected_signature"\} [1-9]/)
  })
})

describe('operator revocation', () => {
  it('`fxa-gate sessions revoke --user` ends the user’s sessions on every process', async () => {
    const email = 'oli@example.org'
    const uid = uidForEmail(email)
    const onA = await login(a, email)
    const onB = await login(b, email)
    for (const gate of [a, b]) for (const cookie of [onA, onB]) expect(await status(gate, cookie)).toBe(200)
    const env = gateEnv(fxa, await freePort(), await freePort(), {
      redisUrl,
      cookieSecrets: COOKIE_SECRETS,
      env: sharedEnv,
    })
    const run = spawn(process.execPath, [join(root, 'src/main.ts'), 'sessions', 'revoke', '--user', uid], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    })
    let stdout = ''
    let stderr = ''
    run.stdout.on('data', (chunk) => (stdout += chunk))
    run.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise((resolve) => run.once('exit', resolve))
    expect(code, stderr).toBe(0)
    expect(stdout).toContain(`revoked ${uid}: 2 sessions ended`)
    await until(
      async () =>
        (await Promise.all([a, b].flatMap((g) => [onA, onB].map((c) => status(g, c))))).every(
          (s) => s === 401,
        ),
      2000,
    )
  })

  it('POST /sessions/revoke on the admin listener does the same', async () => {
    const email = 'ola@example.org'
    const uid = uidForEmail(email)
    const onA = await login(a, email)
    const onB = await login(b, email)
    const revoke = (authorization?: string) =>
      fetch(`${b.adminUrl}/sessions/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ user: uid }),
      })
    // Loopback is not enough: the token is required from every caller.
    expect((await revoke()).status).toBe(401)
    const response = await revoke(`Bearer ${ADMIN_TOKEN}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ user: uid, ended: 2 })
    await until(
      async () =>
        (await Promise.all([a, b].flatMap((g) => [onA, onB].map((c) => status(g, c))))).every(
          (s) => s === 401,
        ),
      2000,
    )
  })

  it('the CLI refuses a missing user and explains itself', async () => {
    const env = gateEnv(fxa, await freePort(), await freePort(), {
      redisUrl,
      cookieSecrets: COOKIE_SECRETS,
      env: sharedEnv,
    })
    const run = spawn(process.execPath, [join(root, 'src/main.ts'), 'sessions', 'revoke'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    })
    let stderr = ''
    run.stderr.on('data', (chunk) => (stderr += chunk))
    expect(await new Promise((resolve) => run.once('exit', resolve))).toBe(2)
    expect(stderr).toContain('--user')
  })
})
