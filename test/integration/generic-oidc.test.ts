import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type FakeFxa, uidForEmail } from '../../dev/fake-fxa/index.ts'
import {
  createCookieJar,
  loginThroughGate,
  startTestFxa,
  startTestGate,
  type TestGate,
} from '../support/gate.ts'
import { freePort } from '../support/ports.ts'

const redisUrl = inject('redisUrl')

/**
 * fxa-gate against a provider that is not FxA (no FxA OAuth or profile API: userinfo from
 * discovery), played by the fake with Keycloak-like claims: `email_verified`, `acr` "1"/"2", and
 * groups in `groups` or `realm_access.roles`.
 */
describe('generic OIDC providers', () => {
  let fxa: FakeFxa
  let gate: TestGate
  let lenient: TestGate
  const user = (email: string, claims: Record<string, unknown>) => {
    const uid = uidForEmail(email)
    // A generic provider sends no FxA claims: fxa-aal, amr and FxA's profile fields go.
    fxa.users.set(uid, {
      uid,
      email,
      claims: { 'fxa-aal': null, amr: null, metricsEnabled: null, ...claims },
    })
    return email
  }
  beforeAll(async () => {
    const ports = [await freePort(), await freePort()]
    fxa = await startTestFxa(ports)
    const env = {
      FXA_GATE_FXA_OAUTH_URL: '',
      FXA_GATE_FXA_PROFILE_URL: '',
      FXA_GATE_ACR_AAL_MAP: '{"1": 1, "2": 2}',
      FXA_GATE_RULES: JSON.stringify([{ paths: ['/staff/*'], allowedGroups: ['staff'] }]),
    }
    gate = await startTestGate({ fxa, port: ports[0], redisUrl, env })
    lenient = await startTestGate({
      fxa,
      port: ports[1],
      redisUrl,
      env: { ...env, FXA_GATE_REQUIRE_EMAIL_VERIFIED: 'false', FXA_GATE_GROUPS_CLAIM: 'realm_access.roles' },
    })
  })
  afterAll(async () => {
    await gate?.close()
    await lenient?.close()
    await fxa?.close()
  })

  function ask(target: TestGate, cookie: string, url: string, endpoint = '/_gate/auth/nginx') {
    return fetch(`${target.url}${endpoint}`, { headers: { cookie, 'x-original-url': url } })
  }

  it('refuses a login whose email the provider does not mark verified (403 LOGIN_EMAIL_UNVERIFIED)', async () => {
    for (const claims of [{ email_verified: false }, {}]) {
      const email = user(`unverified${Object.keys(claims).length}@example.org`, claims)
      const jar = createCookieJar()
      const back = await loginThroughGate(jar, gate.url, email)
      expect(back.status).toBe(403)
      expect(await back.text()).toContain('LOGIN_EMAIL_UNVERIFIED')
      expect((await jar.fetch(`${gate.url}/_gate/userinfo`)).status).toBe(401)
    }
  })

  it('admits it when configured not to require email_verified', async () => {
    const email = user('lenient@example.org', { email_verified: false })
    const jar = createCookieJar()
    expect((await loginThroughGate(jar, lenient.url, email)).status).toBe(302)
    expect((await jar.fetch(`${lenient.url}/_gate/userinfo`)).status).toBe(200)
  })

  it('maps the provider\'s acr through the configured map (Keycloak\'s "2" is AAL 2)', async () => {
    const strong = user('strong@example.org', { email_verified: true, acr: '2' })
    const weak = user('weak@example.org', { email_verified: true, acr: '1' })
    for (const [email, status] of [
      [strong, 200],
      [weak, 403],
    ] as const) {
      const jar = createCookieJar()
      await loginThroughGate(jar, gate.url, email)
      const cookie = jar.cookieHeader(gate.url)
      expect(
        (await ask(gate, cookie, 'https://app.example.com/x', '/_gate/auth/nginx?min_aal=2')).status,
      ).toBe(status)
    }
  })

  it('turns the groups claim into allowedGroups, allowed_groups= and the X-User-Groups header', async () => {
    const email = user('grouped@example.org', { email_verified: true, groups: ['staff', 'ops,east'] })
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, email)
    const cookie = jar.cookieHeader(gate.url)

    const allowed = await ask(gate, cookie, 'https://app.example.com/staff/x')
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('x-user-groups')).toBe('staff,ops%2Ceast')
    expect(
      (await ask(gate, cookie, 'https://app.example.com/x', '/_gate/auth/nginx?allowed_groups=ops%2Ceast'))
        .status,
    ).toBe(
      403, // a comma separates groups in the auth URL: "ops" and "east"
    )
    expect(
      (await ask(gate, cookie, 'https://app.example.com/x', '/_gate/auth/nginx?allowed_groups=staff,admins'))
        .status,
    ).toBe(200)
    expect(
      (await ask(gate, cookie, 'https://app.example.com/x', '/_gate/auth/nginx?allowed_groups=admins'))
        .status,
    ).toBe(403)

    const outsider = createCookieJar()
    await loginThroughGate(outsider, gate.url, user('outsider@example.org', { email_verified: true }))
    const refused = await ask(gate, outsider.cookieHeader(gate.url), 'https://app.example.com/staff/x')
    expect(refused.status).toBe(403)
    expect(refused.headers.get('x-user-groups')).toBeNull()
  })

  it('reads groups from a dotted claim path (realm_access.roles)', async () => {
    const email = user('roles@example.org', { realm_access: { roles: ['staff'] } })
    const jar = createCookieJar()
    await loginThroughGate(jar, lenient.url, email)
    const answer = await ask(lenient, jar.cookieHeader(lenient.url), 'https://app.example.com/staff/x')
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-user-groups')).toBe('staff')
    expect(answer.headers.get('x-user-metrics-enabled')).toBeNull()
  })
})
