import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { HOSTILE_RETURN_URLS } from '../fixtures/return-urls.ts'
import { createCookieJar, loginThroughGate, startTestGate, type TestGate } from '../support/gate.ts'

const ALLOWED = ['app.example.com', 'api.example.com:8443', '*.apps.example.com']

/** Where a browser would go with this Location header, from a page on the gate. */
function destinationHost(gate: TestGate, location: string): string {
  return new URL(location, `${gate.url}/_gate/logout`).host
}

function allowed(gate: TestGate, host: string): boolean {
  const name = host.replace(/:\d+$/, '')
  return (
    host === `127.0.0.1:${gate.port}` ||
    name === 'app.example.com' ||
    host === 'api.example.com:8443' ||
    name.endsWith('.apps.example.com')
  )
}

describe('return URLs through the real endpoints (THREATS §1)', () => {
  let gate: TestGate
  beforeAll(async () => {
    gate = await startTestGate({
      redisUrl: inject('redisUrl'),
      env: { FXA_GATE_ALLOWED_REDIRECT_HOSTS: ALLOWED.join(',') },
    })
  })
  afterAll(() => gate?.close())

  it('logout never redirects off the allow-list, for every hostile value', async () => {
    expect(HOSTILE_RETURN_URLS.length).toBeGreaterThanOrEqual(150)
    for (const value of HOSTILE_RETURN_URLS) {
      const url = `${gate.url}/_gate/logout?rd=${encodeURIComponent(value)}`
      const response = await fetch(url, { redirect: 'manual', headers: { 'sec-fetch-site': 'same-origin' } })
      // A value the HTTP layer itself refuses (e.g. too long for the header limit) is fine too.
      if (response.status !== 302) {
        expect(response.status, value).toBeGreaterThanOrEqual(400)
        expect(response.status, value).toBeLessThan(500)
        continue
      }
      const location = response.headers.get('location')!
      // A refused rd lands on the signed-out page, never where it pointed.
      expect(location, value).toBe('/_gate/signed-out')
      expect(allowed(gate, destinationHost(gate, location)), value).toBe(true)
    }
  })

  it('a hostile rd survives a full login only as the default', async () => {
    const jar = createCookieJar()
    for (const value of [
      '//evil.test',
      'https://app.example.com@evil.test/',
      '/\\evil.test',
      'javascript:alert(1)',
    ]) {
      const landed = await loginThroughGate(jar, gate.url, 'rd@example.org', { rd: value })
      expect(landed.headers.get('location'), value).toBe('/')
    }
  })

  it('keeps legitimate return URLs working end to end', async () => {
    const jar = createCookieJar()
    for (const [value, expected] of [
      ['/docs/page?q=1#top', '/docs/page?q=1#top'],
      ['https://app.example.com/x', 'https://app.example.com/x'],
      ['https://api.example.com:8443/v1', 'https://api.example.com:8443/v1'],
      ['https://Team.Apps.Example.com./a', 'https://team.apps.example.com/a'],
      [`${gate.url}/somewhere`, `${gate.url}/somewhere`],
    ]) {
      const landed = await loginThroughGate(jar, gate.url, 'rd@example.org', { rd: value })
      expect(landed.headers.get('location'), value).toBe(expected)
    }
  })
})
