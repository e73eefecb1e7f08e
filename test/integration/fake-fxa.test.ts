import { createHash, randomBytes } from 'node:crypto'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type CookieJar,
  createCookieJar,
  type FakeClient,
  type FakeFxa,
  loginWithForm,
  startFakeFxa,
  uidForEmail,
} from '../../dev/fake-fxa/index.ts'

const untrusted: FakeClient = {
  clientId: 'untrusted-rp',
  clientSecret: 'untrusted-secret',
  redirectUris: ['http://127.0.0.1:9/untrusted/callback'],
  trusted: false,
}
const rotating: FakeClient = {
  clientId: 'rotating-rp',
  clientSecret: 'rotating-secret',
  redirectUris: ['http://127.0.0.1:9/rotating/callback'],
  rotateRefreshTokens: true,
  accessTokenTtlSeconds: 120,
}
const confidential: FakeClient = {
  clientId: 'confidential-rp',
  clientSecret: 'confidential-secret',
  redirectUris: ['http://127.0.0.1:9/confidential/callback'],
}
const publicClient: FakeClient = {
  clientId: 'public-rp',
  redirectUris: ['http://127.0.0.1:9/public/callback'],
}
const knownUser = {
  uid: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  email: 'known@example.com',
  displayName: 'Known Person',
  locale: 'fr-FR',
  subscriptions: ['premium'],
  twoFactor: true,
}

let fxa: FakeFxa
const serverErrors: unknown[] = []

beforeAll(async () => {
  fxa = await startFakeFxa({
    clients: [confidential, publicClient, untrusted, rotating],
    users: [{ ...knownUser }],
    logError: (_message, error) => serverErrors.push(error),
  })
})

afterAll(async () => {
  await fxa?.close()
})

afterEach(() => {
  for (const endpoint of ['token', 'profile', 'introspect', 'verify', 'destroy', 'jwks'])
    fxa.setFailure(endpoint, null)
  expect(serverErrors).toEqual([])
})

// ---- helpers -------------------------------------------------------------------------------

interface Pkce {
  verifier: string
  challenge: string
}

function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

function authorizationUrl(client: FakeClient, params: Record<string, string> = {}): URL {
  const url = new URL(`${fxa.issuer}/authorization`)
  url.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUris[0] ?? '',
    response_type: 'code',
    scope: 'openid profile',
    state: randomBytes(8).toString('hex'),
    ...params,
  }).toString()
  return url
}

async function postForm(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${fxa.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
}

async function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${fxa.issuer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

function redeemCode(client: FakeClient, code: string, verifier?: string): Promise<Response> {
  return postForm('/v1/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: client.redirectUris[0] ?? '',
    client_id: client.clientId,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    ...(verifier === undefined ? {} : { code_verifier: verifier }),
  })
}

interface TokenResponse {
  access_token: string
  token_type: string
  expires_in: number
  scope: string
  auth_at: number
  id_token?: string
  refresh_token?: string
}

/** Signs `email` in for `client` in a fresh browser and redeems the code. */
async function signIn(
  client: FakeClient,
  email: string,
  params: Record<string, string> = {},
): Promise<TokenResponse> {
  const pkce = client.clientSecret === undefined ? newPkce() : undefined
  const pkceParams: Record<string, string> =
    pkce === undefined ? {} : { code_challenge: pkce.challenge, code_challenge_method: 'S256' }
  const redirect = new URL(
    await loginWithForm(
      createCookieJar().fetch,
      authorizationUrl(client, { ...pkceParams, ...params }),
      email,
    ),
  )
  const code = redirect.searchParams.get('code')
  if (code === null) throw new Error(`no code in ${redirect.href}`)
  const response = await redeemCode(client, code, pkce?.verifier)
  expect(response.status).toBe(200)
  return (await response.json()) as TokenResponse
}

// ---- discovery -----------------------------------------------------------------------------

describe('discovery', () => {
  it('publishes the issuer without a trailing slash and FxA endpoints on the same origin', async () => {
    const response = await fetch(`${fxa.issuer}/.well-known/openid-configuration`)
    const doc = (await response.json()) as Record<string, unknown>

    expect(fxa.issuer).toBe(`http://127.0.0.1:${fxa.port}`)
    expect(fxa.oauthUrl).toBe(`${fxa.issuer}/v1`)
    expect(fxa.profileUrl).toBe(`${fxa.issuer}/v1`)
    expect(doc).toMatchObject({
      issuer: fxa.issuer,
      authorization_endpoint: `${fxa.issuer}/authorization`,
      token_endpoint: `${fxa.issuer}/v1/token`,
      userinfo_endpoint: `${fxa.issuer}/v1/profile`,
      jwks_uri: `${fxa.issuer}/v1/jwks`,
      id_token_signing_alg_values_supported: ['RS256'],
    })
    expect(doc['token_endpoint_auth_methods_supported']).toEqual(
      expect.arrayContaining(['client_secret_post', 'none']),
    )
  })

  it('advertises no introspection, revocation or logout endpoint and no iss in authorization responses', async () => {
    const doc = (await (await fetch(`${fxa.issuer}/.well-known/openid-configuration`)).json()) as object

    expect(doc).not.toHaveProperty('introspection_endpoint')
    expect(doc).not.toHaveProperty('revocation_endpoint')
    expect(doc).not.toHaveProperty('end_session_endpoint')
    expect(doc).not.toHaveProperty('authorization_response_iss_parameter_supported')
  })

  it('serves the provider signing key at /v1/jwks with a kid', async () => {
    const jwks = (await (await fetch(`${fxa.issuer}/v1/jwks`)).json()) as {
      keys: Array<Record<string, string>>
    }

    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })
})

// ---- authorization code flow ---------------------------------------------------------------

describe('authorization code flow', () => {
  it('signs a confidential client in through the login form and redeems the code with client_secret_post', async () => {
    const jar = createCookieJar()
    const url = authorizationUrl(confidential, { state: 'state-123' })

    const redirect = new URL(await loginWithForm(jar.fetch, url, 'known@example.com'))
    expect(`${redirect.origin}${redirect.pathname}`).toBe(confidential.redirectUris[0])
    expect(redirect.searchParams.get('state')).toBe('state-123')
    expect(redirect.searchParams.has('iss')).toBe(false)

    const response = await redeemCode(confidential, redirect.searchParams.get('code') ?? '')
    const tokens = (await response.json()) as TokenResponse
    expect(response.status).toBe(200)
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'openid profile' })
    expect(tokens.access_token).toMatch(/^[0-9a-f]{64}$/)
    expect(tokens.auth_at).toBeGreaterThan(Date.now() / 1000 - 60)
    expect(tokens.id_token).toEqual(expect.any(String))
    expect(tokens).not.toHaveProperty('refresh_token')
  })

  it('drives the form by hand: GET shows email, password, Sign in and Cancel; POST redirects onwards', async () => {
    const jar = createCookieJar()
    const first = await jar.fetch(authorizationUrl(confidential, { login_hint: 'hint@example.com' }))
    expect(first.status).toBe(303)
    const formUrl = new URL(first.headers.get('location') ?? '', fxa.issuer)
    const form = await jar.fetch(formUrl)
    const html = await form.text()

    expect(form.status).toBe(200)
    expect(html).toContain('name="email"')
    expect(html).toContain('type="email"')
    expect(html).toContain('value="hint@example.com"')
    expect(html).toContain('name="password"')
    expect(html).toContain('<button type="submit" id="sign-in">Sign in</button>')
    expect(html).toMatch(/<button type="submit" name="cancel" value="1" id="cancel"[^>]*>Cancel<\/button>/)

    const posted = await jar.fetch(formUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=hint%40example.com&password=x',
    })
    expect(posted.status).toBe(303)
    expect(posted.headers.get('location')).toMatch(new RegExp(`^${fxa.issuer}/authorization/`))
  })

  it('signs a public client in with PKCE S256 and no client secret', async () => {
    const tokens = await signIn(publicClient, 'pkce-user@example.com')

    expect(tokens.token_type).toBe('bearer')
    expect(tokens.access_token).toMatch(/^[0-9a-f]{64}$/)
  })

  it('refuses a public client code redeemed without the PKCE verifier', async () => {
    const pkce = newPkce()
    const url = authorizationUrl(publicClient, {
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    })
    const redirect = new URL(await loginWithForm(createCookieJar().fetch, url, 'pkce-user@example.com'))

    const response = await redeemCode(
      publicClient,
      redirect.searchParams.get('code') ?? '',
      'wrong'.repeat(10),
    )
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 400, errno: 117, error: 'Bad Request' })
  })

  it('refuses to redeem a code twice', async () => {
    const redirect = new URL(
      await loginWithForm(createCookieJar().fetch, authorizationUrl(confidential), 'replay@example.com'),
    )
    const code = redirect.searchParams.get('code') ?? ''

    expect((await redeemCode(confidential, code)).status).toBe(200)
    const replay = await redeemCode(confidential, code)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ code: 400, errno: 105, error: 'Bad Request' })
  })

  it('issues an ID token with FxA claims only: no nonce, email or auth_time, and at_hash of the access token', async () => {
    const tokens = await signIn(confidential, 'known@example.com', {
      nonce: 'n-0S6_WzA2Mj',
      max_age: '3600',
      scope: 'openid profile email',
    })
    const jwks = createRemoteJWKSet(new URL(`${fxa.issuer}/v1/jwks`))
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token ?? '', jwks, {
      issuer: fxa.issuer,
      audience: confidential.clientId,
    })
    const expectedAtHash = createHash('sha256').update(tokens.access_token).digest().subarray(0, 16)

    expect(protectedHeader.alg).toBe('RS256')
    expect(Object.keys(payload).sort()).toEqual([
      'acr',
      'amr',
      'at_hash',
      'aud',
      'exp',
      'fxa-aal',
      'iat',
      'iss',
      'sub',
    ])
    expect(payload).toMatchObject({ sub: knownUser.uid, amr: ['pwd', 'otp'], acr: 'AAL2', 'fxa-aal': 2 })
    expect(payload['at_hash']).toBe(expectedAtHash.toString('base64url'))
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300)
  })

  it('creates an unknown email on the fly with uid = first 32 hex chars of sha256(email)', async () => {
    const email = 'newcomer@example.com'
    expect(fxa.userByEmail(email)).toBeUndefined()

    const tokens = await signIn(confidential, email)
    const expectedUid = createHash('sha256').update(email).digest('hex').slice(0, 32)

    expect(uidForEmail(email)).toBe(expectedUid)
    expect(decodeJwt(tokens.id_token ?? '').sub).toBe(expectedUid)
    expect(fxa.users.get(expectedUid)?.email).toBe(email)
  })

  it('ends the flow with error=access_denied at the redirect_uri when the person cancels', async () => {
    const url = authorizationUrl(confidential, { state: 'cancel-state' })
    const redirect = new URL(await loginWithForm(createCookieJar().fetch, url, '', { cancel: true }))

    expect(`${redirect.origin}${redirect.pathname}`).toBe(confidential.redirectUris[0])
    expect(redirect.searchParams.get('error')).toBe('access_denied')
    expect(redirect.searchParams.get('state')).toBe('cancel-state')
    expect(redirect.searchParams.has('code')).toBe(false)
  })

  it('lets the same browser sign in again without the form, and shows it again for prompt=login', async () => {
    const jar: CookieJar = createCookieJar()
    await loginWithForm(jar.fetch, authorizationUrl(confidential), 'repeat@example.com')

    const silent = await jar.fetch(authorizationUrl(confidential, { state: 'again' }))
    const silentRedirect = new URL(silent.headers.get('location') ?? '', fxa.issuer)
    expect(silentRedirect.searchParams.get('state')).toBe('again')
    expect(silentRedirect.searchParams.has('code')).toBe(true)

    const forced = await jar.fetch(authorizationUrl(confidential, { prompt: 'login' }))
    expect(forced.headers.get('location')).toMatch(/^\/interaction\//)
    const other = new URL(
      await loginWithForm(
        jar.fetch,
        authorizationUrl(confidential, { prompt: 'login' }),
        'other@example.com',
      ),
    )
    const tokens = (await (
      await redeemCode(confidential, other.searchParams.get('code') ?? '')
    ).json()) as TokenResponse
    expect(decodeJwt(tokens.id_token ?? '').sub).toBe(uidForEmail('other@example.com'))
  })

  it('accepts and ignores FxA extra parameters (action, entrypoint, email, utm_*)', async () => {
    const redirect = new URL(
      await loginWithForm(
        createCookieJar().fetch,
        authorizationUrl(confidential, {
          action: 'email',
          entrypoint: 'fxa-gate',
          email: 'extra@example.com',
          utm_source: 'test',
          utm_campaign: 'x',
        }),
        'extra@example.com',
      ),
    )

    expect(redirect.searchParams.has('code')).toBe(true)
  })

  it('issues a refresh token only for access_type=offline; it does not rotate and gives no new ID token', async () => {
    const online = await signIn(confidential, 'offline@example.com')
    expect(online).not.toHaveProperty('refresh_token')

    const offline = await signIn(confidential, 'offline@example.com', { access_type: 'offline' })
    expect(offline.refresh_token).toMatch(/^[0-9a-f]{64}$/)

    const refresh = () =>
      postForm('/v1/token', {
        grant_type: 'refresh_token',
        refresh_token: offline.refresh_token ?? '',
        client_id: confidential.clientId,
        client_secret: confidential.clientSecret ?? '',
      })
    const before = fxa.calls.refresh
    const first = (await (await refresh()).json()) as TokenResponse
    const second = await refresh()

    expect(first.access_token).toMatch(/^[0-9a-f]{64}$/)
    expect(first.access_token).not.toBe(offline.access_token)
    expect(first).not.toHaveProperty('id_token')
    expect(first).not.toHaveProperty('refresh_token')
    expect(first.scope).toBe('profile')
    expect(first.token_type).toBe('bearer')
    expect(second.status).toBe(200)
    expect(fxa.calls.refresh - before).toBe(2)
  })

  it('counts authorization and token requests', async () => {
    const before = { ...fxa.calls }
    await signIn(confidential, 'counted@example.com')

    expect(fxa.calls.authorization).toBe(before.authorization + 1)
    expect(fxa.calls.token).toBe(before.token + 1)
  })
})

// ---- authorization request checks ----------------------------------------------------------

describe('authorization request checks', () => {
  it('refuses PKCE from a confidential client with 400 errno 116', async () => {
    const pkce = newPkce()
    const response = await fetch(
      authorizationUrl(confidential, { code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
      { redirect: 'manual' },
    )

    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: 400,
      errno: 116,
      error: 'Bad Request',
      message: expect.any(String),
    })
  })

  it('refuses a public client without PKCE with 400 errno 118', async () => {
    const response = await fetch(authorizationUrl(publicClient), { redirect: 'manual' })

    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 400, errno: 118, error: 'Bad Request' })
  })

  it('refuses a PKCE method other than S256', async () => {
    const response = await fetch(
      authorizationUrl(publicClient, { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }),
      { redirect: 'manual' },
    )

    expect(response.status).toBe(400)
  })

  it('requires a state of at most 512 characters', async () => {
    const missing = authorizationUrl(confidential)
    missing.searchParams.delete('state')
    const tooLong = authorizationUrl(confidential, { state: 'x'.repeat(513) })
    const longest = authorizationUrl(confidential, { state: 'x'.repeat(512) })

    expect((await fetch(missing, { redirect: 'manual' })).status).toBe(400)
    expect((await fetch(tooLong, { redirect: 'manual' })).status).toBe(400)
    expect((await fetch(longest, { redirect: 'manual' })).status).toBe(303)
  })

  it('refuses a redirect_uri that is not registered exactly', async () => {
    const response = await fetch(
      authorizationUrl(confidential, { redirect_uri: 'http://127.0.0.1:9/elsewhere' }),
      {
        redirect: 'manual',
      },
    )

    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
  })
})

// ---- profile -------------------------------------------------------------------------------

describe('/v1/profile', () => {
  const profile = (token: string) =>
    fetch(`${fxa.profileUrl}/profile`, { headers: { authorization: `Bearer ${token}` } })

  it('answers FxA profile shape, with sub only when the token has openid', async () => {
    const withOpenid = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'openid profile',
    })
    const withoutOpenid = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })

    const body = await (await profile(withOpenid)).json()
    expect(body).toEqual({
      uid: knownUser.uid,
      email: knownUser.email,
      locale: 'fr-FR',
      displayName: 'Known Person',
      avatar: expect.any(String),
      avatarDefault: true,
      amrValues: ['pwd', 'otp'],
      twoFactorAuthentication: true,
      subscriptions: ['premium'],
      metricsEnabled: true,
      sub: knownUser.uid,
    })
    expect(await (await profile(withoutOpenid)).json()).not.toHaveProperty('sub')
  })

  it('reads the current user, so a test can change an email and see it', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    const user = fxa.users.get(knownUser.uid)
    if (user === undefined) throw new Error('known user missing')

    user.email = 'changed@example.com'
    try {
      expect(await (await profile(token)).json()).toMatchObject({ email: 'changed@example.com' })
      expect(fxa.userByEmail('changed@example.com')?.uid).toBe(knownUser.uid)
    } finally {
      user.email = knownUser.email
    }
  })

  it('serves a token from the login flow too', async () => {
    const tokens = await signIn(confidential, 'flow-profile@example.com')
    const body = (await (await profile(tokens.access_token)).json()) as Record<string, unknown>

    expect(body).toMatchObject({
      email: 'flow-profile@example.com',
      uid: uidForEmail('flow-profile@example.com'),
    })
  })

  it('answers 401 errno 110 for a bad or missing token', async () => {
    const bad = await profile('0'.repeat(64))
    const missing = await fetch(`${fxa.profileUrl}/profile`)

    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ code: 401, errno: 110 })
    expect(missing.status).toBe(401)
  })

  it('counts profile requests', async () => {
    const before = fxa.calls.profile
    await profile('nope')

    expect(fxa.calls.profile).toBe(before + 1)
  })
})

// ---- introspect, verify, destroy -----------------------------------------------------------

describe('/v1/introspect', () => {
  it('describes an active token with a scope string and iat/exp in milliseconds', async () => {
    const before = fxa.calls.introspect
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile https://identity.mozilla.com/apps/relay',
      ttlSeconds: 600,
    })

    const response = await postJson('/v1/introspect', { token })
    const body = (await response.json()) as Record<string, number | string | boolean>

    expect(response.status).toBe(200)
    expect(body).toMatchObject({
      active: true,
      scope: 'profile https://identity.mozilla.com/apps/relay',
      client_id: confidential.clientId,
      token_type: 'access_token',
      sub: knownUser.uid,
      jti: createHash('sha256').update(token).digest('hex'),
    })
    expect(body['iat']).toBeGreaterThan(Date.now() - 60_000)
    expect(body['iat']).toBeLessThanOrEqual(Date.now())
    expect(Number(body['exp']) - Number(body['iat'])).toBe(600_000)
    expect(fxa.calls.introspect).toBe(before + 1)
  })

  it('answers active:false for an unknown token', async () => {
    const response = await postJson('/v1/introspect', { token: 'f'.repeat(64) })

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ active: false })
  })

  it('answers active:false once the token is destroyed, and records the destroy call', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    const destroyed = await postJson('/v1/destroy', { token, client_id: confidential.clientId })

    expect(destroyed.status).toBe(200)
    expect(await destroyed.json()).toEqual({})
    expect(fxa.calls.destroy.at(-1)).toEqual({ token, client_id: confidential.clientId })
    expect(await (await postJson('/v1/introspect', { token })).json()).toEqual({ active: false })
  })
})

describe('/v1/verify', () => {
  it('answers user, client_id and scope as an array', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: publicClient.clientId,
      scope: 'openid profile',
    })
    const response = await postJson('/v1/verify', { token })

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      user: knownUser.uid,
      client_id: publicClient.clientId,
      scope: ['openid', 'profile'],
    })
  })

  it('answers HTTP 400 errno 108 for a bad token', async () => {
    const response = await postJson('/v1/verify', { token: 'a'.repeat(64) })

    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      code: 400,
      errno: 108,
      error: 'Bad Request',
      message: 'Invalid token',
    })
  })

  it('answers HTTP 400 errno 115 for an expired token', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
      ttlSeconds: 1,
    })
    await new Promise((resolve) => setTimeout(resolve, 2100))

    const response = await postJson('/v1/verify', { token })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ errno: 115 })
    expect(await (await postJson('/v1/introspect', { token })).json()).toEqual({ active: false })
  })
})

describe('/v1/destroy', () => {
  it('answers 400 errno 108 for an unknown token', async () => {
    const response = await postJson('/v1/destroy', { token: 'b'.repeat(64) })

    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ errno: 108 })
  })

  it('accepts a form body with refresh_token and ends the access tokens of that grant', async () => {
    const tokens = await signIn(confidential, 'logout@example.com', { access_type: 'offline' })
    const response = await postForm('/v1/destroy', {
      refresh_token: tokens.refresh_token ?? '',
      client_id: confidential.clientId,
      client_secret: confidential.clientSecret ?? '',
    })

    expect(response.status).toBe(200)
    expect(fxa.calls.destroy.at(-1)).toMatchObject({ refresh_token: tokens.refresh_token })
    expect(await (await postJson('/v1/introspect', { token: tokens.access_token })).json()).toEqual({
      active: false,
    })
    expect(await (await postJson('/v1/introspect', { token: tokens.refresh_token })).json()).toEqual({
      active: false,
    })
  })

  it('lets the same browser sign in again after its grant was destroyed, with a working new token', async () => {
    const jar = createCookieJar()
    const url = () => authorizationUrl(confidential, { access_type: 'offline' })
    const first = new URL(await loginWithForm(jar.fetch, url(), 'relogin@example.com'))
    const tokens = (await (
      await redeemCode(confidential, first.searchParams.get('code') ?? '')
    ).json()) as TokenResponse
    expect((await postJson('/v1/destroy', { refresh_token: tokens.refresh_token })).status).toBe(200)

    const again = new URL(await loginWithForm(jar.fetch, url(), 'relogin@example.com'))
    const fresh = (await (
      await redeemCode(confidential, again.searchParams.get('code') ?? '')
    ).json()) as TokenResponse

    expect(await (await postJson('/v1/introspect', { token: fresh.access_token })).json()).toMatchObject({
      active: true,
      sub: uidForEmail('relogin@example.com'),
    })
  })

  it('revokes a refresh token named by refresh_token_id (sha256 of the token)', async () => {
    const tokens = await signIn(confidential, 'logout-by-id@example.com', { access_type: 'offline' })
    const id = createHash('sha256')
      .update(tokens.refresh_token ?? '')
      .digest('hex')

    expect((await postJson('/v1/destroy', { refresh_token_id: id })).status).toBe(200)
    const refresh = await postForm('/v1/token', {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
      client_id: confidential.clientId,
      client_secret: confidential.clientSecret ?? '',
    })
    expect(refresh.status).toBe(400)
  })

  it('refuses a wrong client secret', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    const response = await postJson('/v1/destroy', {
      token,
      client_id: confidential.clientId,
      client_secret: 'nope',
    })

    expect(response.status).toBe(400)
    expect(await (await postJson('/v1/introspect', { token })).json()).toMatchObject({ active: true })
  })
})

// ---- token lifecycle as FxA runs it ----------------------------------------------------------

function refreshGrant(client: FakeClient, refreshToken: string, extra: Record<string, string> = {}) {
  return postForm('/v1/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: client.clientId,
    ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
    ...extra,
  })
}

async function introspect(
  token: string,
  hint?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await postJson('/v1/introspect', {
    token,
    ...(hint === undefined ? {} : { token_type_hint: hint }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function eventsOf(set: string): Record<string, unknown> {
  return decodeJwt(set)['events'] as Record<string, unknown>
}

const EVENT = 'https://schemas.accounts.firefox.com/event/'

describe('token lifetimes and refresh grants', () => {
  it('issues access tokens with the lifetime set for the fake, for one client, or per request of the test', async () => {
    expect((await signIn(rotating, 'ttl@example.com')).expires_in).toBe(120)
    fxa.setAccessTokenTtl(7, confidential.clientId)
    try {
      const short = await signIn(confidential, 'ttl@example.com')
      expect(short.expires_in).toBe(7)
      const { body } = await introspect(short.access_token)
      expect(Number(body['exp']) - Number(body['iat'])).toBe(7000)
      expect((await signIn(publicClient, 'ttl@example.com')).expires_in).toBe(3600)
    } finally {
      fxa.setAccessTokenTtl(3600)
    }
  })

  it('answers a refresh grant with a new access token only, again and again with the same refresh token', async () => {
    const offline = await signIn(confidential, 'norotate@example.com', { access_type: 'offline' })
    for (let i = 0; i < 3; i++) {
      const response = await refreshGrant(confidential, offline.refresh_token ?? '')
      const body = (await response.json()) as TokenResponse
      expect(response.status).toBe(200)
      expect(body).not.toHaveProperty('refresh_token')
      expect(body.access_token).not.toBe(offline.access_token)
    }
    expect(
      fxa.liveRefreshTokens({ uid: uidForEmail('norotate@example.com'), clientId: confidential.clientId }),
    ).toBe(1)
  })

  it('may narrow the scope of a refresh grant, never widen it (errno 114)', async () => {
    const offline = await signIn(confidential, 'narrow@example.com', {
      access_type: 'offline',
      scope: 'openid profile:email profile:display_name',
    })
    const narrowed = await refreshGrant(confidential, offline.refresh_token ?? '', { scope: 'profile:email' })
    expect(((await narrowed.json()) as TokenResponse).scope).toBe('profile:email')
    const widened = await refreshGrant(confidential, offline.refresh_token ?? '', { scope: 'profile' })
    expect(widened.status).toBe(400)
    expect(await widened.json()).toMatchObject({ errno: 114 })
  })

  it("refuses an unknown refresh token, or another client's, with 400 errno 108", async () => {
    const unknown = await refreshGrant(confidential, 'e'.repeat(64))
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toMatchObject({ code: 400, errno: 108, message: 'Invalid token' })
    const offline = await signIn(confidential, 'theirs@example.com', { access_type: 'offline' })
    const foreign = await refreshGrant(rotating, offline.refresh_token ?? '')
    expect(await foreign.json()).toMatchObject({ errno: 108 })
  })

  it('rotates refresh tokens for a client set to, and refuses the used one afterwards (a generic OIDC provider)', async () => {
    const offline = await signIn(rotating, 'rotate@example.com', { access_type: 'offline' })
    const first = (await (await refreshGrant(rotating, offline.refresh_token ?? '')).json()) as TokenResponse
    expect(first.refresh_token).toMatch(/^[0-9a-f]{64}$/)
    expect(first.refresh_token).not.toBe(offline.refresh_token)
    expect((await refreshGrant(rotating, first.refresh_token ?? '')).status).toBe(200)
    expect(fxa.liveRefreshTokens({ uid: uidForEmail('rotate@example.com') })).toBe(1)
  })

  it('disconnecting the app revokes its refresh and access tokens, and sends no event', async () => {
    const email = 'disconnect@example.com'
    const offline = await signIn(confidential, email, { access_type: 'offline' })
    await signIn(publicClient, email, { access_type: 'offline' })
    expect(fxa.liveRefreshTokens({ uid: uidForEmail(email) })).toBe(2)

    expect(await fxa.account.disconnect(uidForEmail(email), confidential.clientId)).toBeGreaterThan(0)
    const refused = await refreshGrant(confidential, offline.refresh_token ?? '')
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ errno: 108 })
    expect((await introspect(offline.access_token)).body).toEqual({ active: false })
    expect(fxa.liveRefreshTokens({ uid: uidForEmail(email), clientId: confidential.clientId })).toBe(0)
    expect(fxa.liveRefreshTokens({ uid: uidForEmail(email), clientId: publicClient.clientId })).toBe(1)
  })
})

describe('introspection of refresh tokens', () => {
  it("without a hint finds a confidential client's refresh token and answers 400 errno 116", async () => {
    const offline = await signIn(confidential, 'introspect-rt@example.com', { access_type: 'offline' })
    const { status, body } = await introspect(offline.refresh_token ?? '')
    expect(status).toBe(400)
    expect(body).toMatchObject({ code: 400, errno: 116, message: 'Not a public client' })
  })

  it("without a hint describes a public client's refresh token as active, with no exp", async () => {
    const offline = await signIn(publicClient, 'introspect-public@example.com', { access_type: 'offline' })
    const { status, body } = await introspect(offline.refresh_token ?? '')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      active: true,
      token_type: 'refresh_token',
      client_id: publicClient.clientId,
      sub: uidForEmail('introspect-public@example.com'),
    })
    expect(body).not.toHaveProperty('exp')
    expect(body['iat']).toBeGreaterThan(Date.now() - 60_000)
  })

  it('with token_type_hint=access_token looks at access tokens only', async () => {
    const offline = await signIn(confidential, 'hinted@example.com', { access_type: 'offline' })
    expect(await introspect(offline.refresh_token ?? '', 'access_token')).toEqual({
      status: 200,
      body: { active: false },
    })
    expect((await introspect(offline.access_token, 'access_token')).body).toMatchObject({
      active: true,
      token_type: 'access_token',
    })
    expect((await introspect(offline.access_token, 'refresh_token')).body).toEqual({ active: false })
  })

  it('refuses an unknown token_type_hint with 400 errno 109', async () => {
    const { status, body } = await introspect('a'.repeat(64), 'id_token')
    expect(status).toBe(400)
    expect(body).toMatchObject({ errno: 109 })
  })

  it('gives iat in milliseconds, precise enough to order a token against a password change', async () => {
    const first = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    const [a, b] = [await introspect(first), await introspect(second)]
    expect(Number(b.body['iat'])).toBeGreaterThan(Number(a.body['iat']))
    expect(Number(a.body['iat']) % 1000 !== 0 || Number(b.body['iat']) % 1000 !== 0).toBe(true)
  })
})

describe('scopes', () => {
  async function profileWith(scope: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = await fxa.issueAccessToken({ uid: knownUser.uid, clientId: confidential.clientId, scope })
    const response = await fetch(`${fxa.issuer}/v1/profile`, {
      headers: { authorization: `Bearer ${token}` },
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('releases profile fields by hierarchical scopes: profile:write ⊇ profile ⊇ profile:email', async () => {
    expect((await profileWith('profile:write')).body).toMatchObject({
      email: knownUser.email,
      displayName: knownUser.displayName,
      locale: knownUser.locale,
    })
    const emailOnly = await profileWith('profile:email:write')
    expect(Object.keys(emailOnly.body)).toEqual(['email'])
    expect((await profileWith('profilebogey')).status).toBe(403)
  })

  it('lets an untrusted client ask only for profile:uid, profile:email and profile:display_name (errno 114)', async () => {
    const refused = await fetch(authorizationUrl(untrusted, { scope: 'openid profile' }), {
      redirect: 'manual',
    })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ errno: 114, invalidScopes: ['profile'] })
    const tokens = await signIn(untrusted, 'untrusted@example.com', {
      scope: 'openid profile:uid profile:email profile:display_name',
    })
    expect(tokens.scope).toBe('openid profile:uid profile:email profile:display_name')
  })

  it('shows each client its own subscription capabilities', async () => {
    const uid = 'c'.repeat(32)
    fxa.users.set(uid, {
      uid,
      email: 'subscriber@example.com',
      subscriptions: { '*': ['everywhere'], [confidential.clientId]: ['premium'] },
    })
    const read = async (clientId: string) => {
      const token = await fxa.issueAccessToken({ uid, clientId, scope: 'profile:subscriptions' })
      const response = await fetch(`${fxa.issuer}/v1/profile`, {
        headers: { authorization: `Bearer ${token}` },
      })
      return ((await response.json()) as { subscriptions: string[] }).subscriptions
    }
    expect(await read(confidential.clientId)).toEqual(['everywhere', 'premium'])
    expect(await read(publicClient.clientId)).toEqual(['everywhere'])
  })
})

describe('account changes and the events FxA sends about them', () => {
  it('a password change revokes the tokens of public and canGrant clients only', async () => {
    const email = 'password@example.com'
    const kept = await signIn(confidential, email, { access_type: 'offline' })
    const lost = await signIn(publicClient, email, { access_type: 'offline' })
    const before = Date.now()

    const { changeTime, set } = await fxa.account.changePassword(uidForEmail(email))

    expect(changeTime).toBeGreaterThanOrEqual(before)
    expect(eventsOf(set)).toEqual({ [`${EVENT}password-change`]: { changeTime } })
    expect(decodeJwt(set)).toMatchObject({ sub: uidForEmail(email), aud: confidential.clientId })
    expect((await introspect(kept.access_token)).body).toMatchObject({ active: true })
    expect((await refreshGrant(confidential, kept.refresh_token ?? '')).status).toBe(200)
    expect((await introspect(lost.access_token)).body).toEqual({ active: false })
    expect((await refreshGrant(publicClient, lost.refresh_token ?? '')).status).toBe(400)
  })

  it("/v1/verify tells a token's generation: the last password change before it was made", async () => {
    const email = 'generation@example.com'
    await signIn(confidential, email)
    const uid = uidForEmail(email)
    const old = await fxa.issueAccessToken({ uid, clientId: confidential.clientId, scope: 'profile' })
    await new Promise((resolve) => setTimeout(resolve, 2))
    const { changeTime } = await fxa.account.changePassword(uid)
    await new Promise((resolve) => setTimeout(resolve, 2))
    const fresh = await fxa.issueAccessToken({ uid, clientId: confidential.clientId, scope: 'profile' })
    const verify = async (token: string) => (await (await postJson('/v1/verify', { token })).json()) as object
    expect(await verify(old)).not.toHaveProperty('generation')
    expect(await verify(fresh)).toMatchObject({ generation: changeTime })
  })

  it('a profile change sends {email} when the email changed, and nothing otherwise', async () => {
    const uid = 'd'.repeat(32)
    fxa.users.set(uid, { uid, email: 'before@example.com', displayName: 'Before' })
    const renamed = await fxa.account.changeProfile(uid, { displayName: 'After' })
    expect(eventsOf(renamed)).toEqual({ [`${EVENT}profile-change`]: {} })
    const moved = await fxa.account.changeProfile(uid, { email: 'after@example.com' })
    expect(eventsOf(moved)).toEqual({ [`${EVENT}profile-change`]: { email: 'after@example.com' } })
    expect(fxa.users.get(uid)).toMatchObject({ email: 'after@example.com', displayName: 'After' })
  })

  it('metrics opt-out and opt-in change the profile and send their event', async () => {
    const uid = 'e'.repeat(32)
    fxa.users.set(uid, { uid, email: 'metrics@example.com' })
    const token = await fxa.issueAccessToken({ uid, clientId: confidential.clientId, scope: 'profile' })
    const metricsEnabled = async () =>
      (
        (await (
          await fetch(`${fxa.issuer}/v1/profile`, { headers: { authorization: `Bearer ${token}` } })
        ).json()) as {
          metricsEnabled: boolean
        }
      ).metricsEnabled
    expect(await metricsEnabled()).toBe(true)
    expect(eventsOf(await fxa.account.setMetricsEnabled(uid, false))).toEqual({
      [`${EVENT}metrics-opt-out`]: {},
    })
    expect(await metricsEnabled()).toBe(false)
    expect(eventsOf(await fxa.account.setMetricsEnabled(uid, true))).toEqual({
      [`${EVENT}metrics-opt-in`]: {},
    })
  })

  it('a subscription change updates the capabilities and sends the change with its time', async () => {
    const uid = 'f'.repeat(32)
    fxa.users.set(uid, { uid, email: 'subscribe@example.com' })
    const set = await fxa.account.changeSubscription(uid, { capabilities: ['premium'], isActive: true })
    expect(eventsOf(set)[`${EVENT}subscription-state-change`]).toMatchObject({
      capabilities: ['premium'],
      isActive: true,
      changeTime: expect.any(Number),
    })
    expect(fxa.users.get(uid)?.subscriptions).toEqual(['premium'])
  })

  it('deleting the account ends every token and sends delete-user', async () => {
    const email = 'deleted@example.com'
    const tokens = await signIn(confidential, email, { access_type: 'offline' })
    const set = await fxa.account.deleteUser(uidForEmail(email))
    expect(eventsOf(set)).toEqual({ [`${EVENT}delete-user`]: {} })
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false })
    expect(fxa.liveRefreshTokens({ uid: uidForEmail(email) })).toBe(0)
    expect(fxa.users.has(uidForEmail(email))).toBe(false)
  })
})

describe('two-step authentication', () => {
  it('asks an account with two-step on for a code, and signs it in at AAL2', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(authorizationUrl(confidential))
    const form = new URL(started.headers.get('location') ?? '', fxa.issuer)
    const afterPassword = await jar.fetch(form, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: knownUser.email, password: 'x' }).toString(),
    })
    const page = await afterPassword.text()
    expect(afterPassword.status).toBe(200)
    expect(page).toContain('name="code"')

    const tokens = await signIn(confidential, knownUser.email)
    expect(decodeJwt(tokens.id_token ?? '')).toMatchObject({ acr: 'AAL2', 'fxa-aal': 2, amr: ['pwd', 'otp'] })
  })

  it('signs a "when-asked" account in at AAL1, and at AAL2 when the relying party asks acr_values=AAL2', async () => {
    const uid = uidForEmail('stepup@example.com')
    fxa.users.set(uid, { uid, email: 'stepup@example.com', twoFactor: true, twoFactorWhen: 'when-asked' })
    const jar = createCookieJar()
    const first = new URL(
      await loginWithForm(jar.fetch, authorizationUrl(confidential), 'stepup@example.com'),
    )
    const aal1 = (await (
      await redeemCode(confidential, first.searchParams.get('code') ?? '')
    ).json()) as TokenResponse
    expect(decodeJwt(aal1.id_token ?? '')).toMatchObject({ acr: 'AAL1', 'fxa-aal': 1 })

    // Same browser: the AAL1 session at the fake is not reused for an AAL2 request.
    const stepUp = await jar.fetch(authorizationUrl(confidential, { acr_values: 'AAL2' }))
    expect(stepUp.headers.get('location')).toMatch(/^\/interaction\//)
    const second = new URL(
      await loginWithForm(
        jar.fetch,
        authorizationUrl(confidential, { acr_values: 'AAL2' }),
        'stepup@example.com',
      ),
    )
    const aal2 = (await (
      await redeemCode(confidential, second.searchParams.get('code') ?? '')
    ).json()) as TokenResponse
    expect(decodeJwt(aal2.id_token ?? '')).toMatchObject({ acr: 'AAL2', 'fxa-aal': 2 })
  })

  it('refuses acr_values=AAL2 for an account without two-step', async () => {
    await expect(
      loginWithForm(
        createCookieJar().fetch,
        authorizationUrl(confidential, { acr_values: 'AAL2' }),
        'plain@example.com',
      ),
    ).rejects.toThrow(/HTTP 400.*two-step/s)
  })

  it("adds a user's extra claims (a generic provider's groups, email_verified, acr) to the ID token and profile", async () => {
    const uid = uidForEmail('keycloak@example.com')
    fxa.users.set(uid, {
      uid,
      email: 'keycloak@example.com',
      claims: { groups: ['staff'], email_verified: true, acr: '1' },
    })
    const tokens = await signIn(confidential, 'keycloak@example.com')
    expect(decodeJwt(tokens.id_token ?? '')).toMatchObject({
      groups: ['staff'],
      email_verified: true,
      acr: '1',
    })
    const profile = await fetch(`${fxa.issuer}/v1/profile`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
    expect(await profile.json()).toMatchObject({ groups: ['staff'], email_verified: true })
  })
})

// ---- security event tokens -----------------------------------------------------------------

describe('signSet', () => {
  const passwordChange = 'https://schemas.accounts.firefox.com/event/password-change'

  it('signs a SET with the provider key that verifies against /v1/jwks, without exp', async () => {
    const set = await fxa.signSet({
      sub: knownUser.uid,
      events: { [passwordChange]: { changeTime: 1 } },
      iat: 1700000000.25,
    })
    const jwks = createRemoteJWKSet(new URL(`${fxa.issuer}/v1/jwks`))
    const { payload, protectedHeader } = await jwtVerify(set, jwks, {
      issuer: fxa.issuer,
      audience: confidential.clientId,
    })
    const published = (await (await fetch(`${fxa.issuer}/v1/jwks`)).json()) as {
      keys: Array<{ kid: string }>
    }

    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: published.keys[0]?.kid })
    expect(payload).toMatchObject({
      sub: knownUser.uid,
      iat: 1700000000.25,
      events: { [passwordChange]: { changeTime: 1 } },
    })
    expect(payload.jti).toEqual(expect.any(String))
    expect(payload).not.toHaveProperty('exp')
  })

  it('signs with a foreign key under the same kid so that verification fails', async () => {
    const set = await fxa.signSet({ sub: knownUser.uid, events: {}, key: 'foreign' })
    const jwks = createRemoteJWKSet(new URL(`${fxa.issuer}/v1/jwks`))
    const published = (await (await fetch(`${fxa.issuer}/v1/jwks`)).json()) as {
      keys: Array<{ kid: string }>
    }

    expect(decodeProtectedHeader(set).kid).toBe(published.keys[0]?.kid)
    await expect(jwtVerify(set, jwks)).rejects.toThrow(/signature/)
  })

  it('produces an unsigned JWT for alg none, with the given iss, aud and jti', async () => {
    const set = await fxa.signSet({
      sub: 'u',
      events: {},
      alg: 'none',
      iss: `${fxa.issuer}/`,
      aud: publicClient.clientId,
      jti: 'jti-1',
    })

    expect(decodeProtectedHeader(set).alg).toBe('none')
    expect(set.endsWith('.')).toBe(true)
    expect(decodeJwt(set)).toMatchObject({ iss: `${fxa.issuer}/`, aud: publicClient.clientId, jti: 'jti-1' })
  })
})

// ---- outages and failure injection ---------------------------------------------------------

describe('outages', () => {
  it('stop() refuses connections and start() serves again on the same port with state kept', async () => {
    const token = await fxa.issueAccessToken({
      uid: knownUser.uid,
      clientId: confidential.clientId,
      scope: 'profile',
    })
    const port = fxa.port

    await fxa.stop()
    await expect(postJson('/v1/introspect', { token })).rejects.toThrow()
    await fxa.start()

    expect(fxa.port).toBe(port)
    expect(await (await postJson('/v1/introspect', { token })).json()).toMatchObject({ active: true })
  })

  it('answers an injected status with Retry-After and an FxA error body', async () => {
    fxa.setFailure('introspect', { status: 503, retryAfter: 30 })
    const response = await postJson('/v1/introspect', { token: 'x' })

    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('30')
    expect(await response.json()).toMatchObject({ code: 503, errno: 201, error: 'Service Unavailable' })
  })

  it('answers an injected status with a given body', async () => {
    fxa.setFailure('token', { status: 429, body: 'slow down' })
    const response = await postForm('/v1/token', { grant_type: 'authorization_code' })

    expect(response.status).toBe(429)
    expect(await response.text()).toBe('slow down')
  })

  it('delays an endpoint by delayMs before answering normally', async () => {
    fxa.setFailure('verify', { delayMs: 300 })
    const started = Date.now()
    const response = await postJson('/v1/verify', { token: 'x' })

    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(response.status).toBe(400)
  })

  it('answers 200 with a non-JSON body when asked', async () => {
    fxa.setFailure('profile', { nonJson: true })
    const response = await fetch(`${fxa.profileUrl}/profile`, { headers: { authorization: 'Bearer x' } })

    expect(response.status).toBe(200)
    await expect(response.json()).rejects.toThrow()
  })

  it('fails destroy and jwks on request, and restores an endpoint with null', async () => {
    fxa.setFailure('destroy', { status: 500 })
    fxa.setFailure('jwks', { status: 503 })
    expect((await postJson('/v1/destroy', { token: 'x' })).status).toBe(500)
    expect((await fetch(`${fxa.issuer}/v1/jwks`)).status).toBe(503)

    fxa.setFailure('destroy', null)
    fxa.setFailure('jwks', null)
    expect((await postJson('/v1/destroy', { token: 'x' })).status).toBe(400)
    expect((await fetch(`${fxa.issuer}/v1/jwks`)).status).toBe(200)
  })

  it('rejects an endpoint name it cannot fail', () => {
    expect(() => fxa.setFailure('tokens', { status: 500 })).toThrow(TypeError)
  })
})
