import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { type CookieJar, createCookieJar, uidForEmail } from '../../dev/fake-fxa/index.ts'
import { readTicket, sessionKey } from '../../src/session/ticket.ts'
import { loginThroughGate, type TestGate } from './gate.ts'

/** A browser signed in through `gate`: its jar, uid, cookie value and the session's store key. */
export interface SignedIn {
  readonly jar: CookieJar
  readonly uid: string
  readonly cookie: string
  readonly key: string
}

/** Signs `email` in through `gate` in a fresh browser. */
export async function signIn(gate: TestGate, email: string): Promise<SignedIn> {
  const jar = createCookieJar()
  const landed = await loginThroughGate(jar, gate.url, email)
  if (landed.status !== 302) throw new Error(`login of ${email} answered ${landed.status}`)
  const name = gate.config.cookie.sessionName
  const cookie = new RegExp(`(?:^|; )${name}=([^;]+)`).exec(jar.cookieHeader(gate.url))?.[1]
  if (cookie === undefined) throw new Error('no session cookie after login')
  const id = readTicket(gate.gate.ctx.keys.cookie, cookie)
  if (id === undefined) throw new Error('unreadable session cookie')
  return { jar, uid: uidForEmail(email), cookie, key: sessionKey(id) }
}

/** GET /_gate/userinfo with this session's cookie (through `gate`, which may be another replica). */
export function userinfo(
  gate: { url: string },
  session: SignedIn,
  cookieName = 'fxa_gate',
): Promise<Response> {
  return fetch(`${gate.url}/_gate/userinfo`, { headers: { cookie: `${cookieName}=${session.cookie}` } })
}

/** The status of `/_gate/auth/nginx` for this session (identity headers are built on this path). */
export async function nginxStatus(gate: { url: string }, session: SignedIn): Promise<Response> {
  return fetch(`${gate.url}/_gate/auth/nginx`, {
    headers: { 'x-original-url': 'https://app.example.com/x', cookie: `fxa_gate=${session.cookie}` },
  })
}

/** What a browser sends with a form post from the gate's own pages (logout is refused cross-site). */
export function sameOrigin(gate: { url: string }): Record<string, string> {
  return { origin: gate.url, 'sec-fetch-site': 'same-origin' }
}

/** The admin token of the gates these tests revoke through (`FXA_GATE_ADMIN_TOKEN` in their env). */
export const ADMIN_TOKEN = 'fault-tests-admin-token-0123456789abcdef'

/** POST /sessions/revoke on the admin listener, with ADMIN_TOKEN. */
export function adminRevoke(gate: { adminUrl: string }, uid: string): Promise<Response> {
  return fetch(`${gate.adminUrl}/sessions/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ user: uid }),
  })
}

/** A plain Redis connection (no fxa-gate code in between) for writing bad data. */
export async function rawRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  return redis
}

/** The key under which the gate's bearer cache keeps a token's result. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** The event id under which a SET's `jti` is claimed. */
export function eventId(jti: string): string {
  return createHash('sha256').update(jti).digest('base64url')
}

/** Polls until `condition` holds; returns the ms it took. Throws after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  everyMs = 10,
): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (await condition()) return performance.now() - started
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`)
    await sleep(everyMs)
  }
}

/** The value of one sample of a Prometheus text exposition (0 when absent). */
export async function metricValue(adminUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
  return line === undefined ? 0 : Number(line.slice(sample.length + 1))
}

export const EVENT = (name: string): string => `https://schemas.accounts.firefox.com/event/${name}`

export function postEvent(gate: { url: string }, token: string): Promise<Response> {
  return fetch(`${gate.url}/_gate/events/fxa`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
}
