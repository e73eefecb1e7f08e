import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  FORGED_CASES,
  type ForgedCase,
  headerLinesOf,
  identityLike,
  rawRequestOf,
} from '../fixtures/forged-headers.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'
import {
  type RecordingUpstream,
  rawExchange,
  type SeenRequest,
  startRecordingUpstream,
} from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')

/** Names a client may send that only fxa-gate may write upstream, in any spelling (folded). */
const DESCRIPTION =
  /^(forwarded|x-original-(url|uri|method|host)|x-rewrite-url|x-real-ip|true-client-ip|x-client-ip|x-forwarded-(prefix|uri|path|method|ssl|port|server|scheme|protocol))$/

function fold(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

function linesOf(request: SeenRequest): [string, string][] {
  const lines: [string, string][] = []
  for (let i = 0; i < request.rawHeaders.length; i += 2)
    lines.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!])
  return lines
}

describe('sidecar: forged headers never reach the upstream', () => {
  let upstream: RecordingUpstream
  let gate: TestGate
  let session: string
  let sessionValue: string
  let host: string
  /** The identity lines fxa-gate writes for the signed-in user, from a clean request. */
  let written: Map<string, string>

  beforeAll(async () => {
    upstream = await startRecordingUpstream()
    gate = await startTestGate({
      redisUrl,
      env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*' },
    })
    host = `127.0.0.1:${gate.port}`
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'ann@example.org')
    const name = gate.config.cookie.sessionName
    sessionValue = new RegExp(`(?:^|; )${name}=([^;]+)`).exec(jar.cookieHeader(gate.url))![1]!
    session = `${name}=${sessionValue}`
    const control = await fetch(`${gate.url}/control`, { headers: { cookie: session } })
    expect(control.status).toBe(200)
    const seen = upstream.seenWith('/control')[0]!
    written = new Map(linesOf(seen).filter(([name]) => identityLike(name)))
    expect([...written.keys()].sort()).toEqual(
      [
        'x-auth-request-email',
        'x-auth-request-user',
        'x-user-assertion',
        'x-user-auth',
        'x-user-email',
        'x-user-id',
        'x-user-locale',
        'x-user-metrics-enabled',
        'x-user-scopes',
        'x-user-subscriptions',
      ].sort(),
    )
  })
  afterAll(async () => {
    await gate?.close()
    await upstream?.close()
  })

  it('has a corpus of at least 100 cases covering every class of THREATS §2', () => {
    expect(FORGED_CASES.length).toBeGreaterThanOrEqual(100)
    const classes = new Set(FORGED_CASES.map((forged) => forged.threat))
    for (const threat of [
      'prefix-case',
      'separator-variant',
      'legacy-name',
      'duplicate',
      'connection-listed',
      'trailer',
      'session-cookie',
    ] as const) {
      expect(classes).toContain(threat)
    }
  })

  /** What every request the upstream saw during a case must satisfy. */
  function checkSeen(request: SeenRequest, signedIn: boolean): void {
    const lines = linesOf(request)
    const identity = lines.filter(([name]) => identityLike(name))
    if (!signedIn) {
      expect(identity, 'anonymous request carries identity headers').toEqual([])
    } else {
      // Exactly fxa-gate's lines, each once, with fxa-gate's values (the assertion is re-signed at times).
      expect(identity.map(([name]) => name).sort()).toEqual([...written.keys()].sort())
      for (const [name, value] of identity) {
        if (name !== 'x-user-assertion') expect(value, name).toBe(written.get(name))
        else expect(value).toMatch(/^ey[\w-]+\.ey[\w-]+\.[\w-]+$/)
      }
    }
    for (const [, value] of lines) expect(value).not.toContain(sessionValue)
    for (const [name, value] of lines) {
      if (name.toLowerCase() !== 'cookie') continue
      for (const pair of value.split(';'))
        expect(fold(pair.split('=')[0]!)).not.toMatch(/^(host-|secure-)?fxa-gate(-login)?$/)
    }
    expect(request.rawTrailers.filter((name, i) => i % 2 === 0 && identityLike(name))).toEqual([])
    expect(lines.filter(([name]) => DESCRIPTION.test(fold(name)))).toEqual([])
    const forwarded = (name: string) =>
      lines.filter(([line]) => fold(line) === name).map(([, value]) => value)
    expect(forwarded('x-forwarded-for')).toEqual(['127.0.0.1'])
    expect(forwarded('x-forwarded-host')).toEqual([host])
    expect(forwarded('x-forwarded-proto')).toEqual(['http'])
    expect(forwarded('host')).toEqual([host])
    expect(request.url).not.toContain('smuggled')
  }

  function checkOutcome(forged: ForgedCase, status: number, seen: SeenRequest[], marker: string): void {
    const mine = seen.filter((request) => request.url.includes(marker))
    if (forged.expect === 'refused' || (forged.expect === 'either' && status !== 200)) {
      expect(status, 'refused with a 4xx').toBeGreaterThanOrEqual(400)
      expect(status).toBeLessThan(500)
      expect(mine).toEqual([])
    } else {
      expect(status).toBe(200)
      expect(mine).toHaveLength(1)
    }
  }

  for (const who of ['anonymous on a public path', 'signed in on a protected path'] as const) {
    const signedIn = who.startsWith('signed')
    const pathOf = (i: number, via: string) =>
      `${signedIn ? '' : '/public'}/forged/${i}?via=${via}&who=${signedIn ? 'in' : 'anon'}`

    describe(`${who}, through fetch`, () => {
      const cases = FORGED_CASES.map((forged, i) => ({ forged, i })).filter(
        ({ forged }) => !forged.rawOnly && forged.raw === undefined,
      )
      it.each(cases)('$forged.threat: $forged.name', async ({ forged, i }) => {
        const path = pathOf(i, 'fetch')
        const before = upstream.seen.length
        const response = await fetch(`${gate.url}${path}`, {
          headers: headerLinesOf(forged, signedIn ? session : undefined) as [string, string][],
        })
        await response.arrayBuffer()
        const seen = upstream.seen.slice(before)
        checkOutcome(forged, response.status, seen, path)
        for (const request of seen) checkSeen(request, signedIn)
      })
    })

    describe(`${who}, as raw bytes on a socket`, () => {
      const cases = FORGED_CASES.map((forged, i) => ({ forged, i }))
      it.each(cases)('$forged.threat: $forged.name', async ({ forged, i }) => {
        const path = pathOf(i, 'raw')
        const before = upstream.seen.length
        const bytes = rawRequestOf(forged, { host, path, cookie: signedIn ? session : undefined })
        // Pipelined and smuggled requests may answer more than once: wait for the socket to go quiet.
        const response = await rawExchange(gate.port, bytes, {
          untilFirstResponse: forged.raw === undefined,
          idleMs: 250,
        })
        const seen = upstream.seen.slice(before)
        checkOutcome(forged, response.status, seen, path)
        for (const request of seen) checkSeen(request, signedIn)
      })
    })
  }
})
