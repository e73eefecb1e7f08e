import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createCookieJar, loginWithForm } from '../../dev/fake-fxa/index.ts'
import { launch, SERVER_CORE, waitHttp } from './proc.ts'
import { onSomePort, type Subject, TOOLS } from './subjects.ts'

export const OAUTH2_PROXY_CLIENT = { clientId: 'bench-o2p', clientSecret: 'bench-o2p-secret' }

export interface Oauth2ProxySetup {
  readonly port: number
  readonly issuer: string
  readonly redisUrl: string
  readonly upstream: string
}

/**
 * oauth2-proxy v7 configured as close to fxa-gate as it goes: the fake FxA as its OIDC provider,
 * sessions in the same Redis, the same upstream, identity headers on /oauth2/auth, JWT bearer
 * tokens (ID tokens) accepted, and no log line per request (fxa-gate logs none for allowed ones).
 * The fake FxA's ID token has no email, as FxA's has none: the uid stands in for it.
 */
export function oauth2Proxy(name: string, setup: Oauth2ProxySetup, cookieSecret: string): Subject {
  const url = `http://127.0.0.1:${setup.port}`
  const args = [
    `--upstream=${setup.upstream}/`,
    '--provider=oidc',
    `--oidc-issuer-url=${setup.issuer}`,
    `--client-id=${OAUTH2_PROXY_CLIENT.clientId}`,
    `--client-secret=${OAUTH2_PROXY_CLIENT.clientSecret}`,
    `--redirect-url=${url}/oauth2/callback`,
    `--cookie-secret=${cookieSecret}`,
    '--cookie-secure=false',
    '--email-domain=*',
    '--oidc-email-claim=sub',
    '--insecure-oidc-allow-unverified-email',
    '--session-store-type=redis',
    `--redis-connection-url=${setup.redisUrl}`,
    '--skip-provider-button',
    '--skip-jwt-bearer-tokens',
    '--set-xauthrequest',
    '--request-logging=false',
    '--auth-logging=false',
    '--standard-logging=false',
  ]
  return {
    name,
    // --redirect-url stays on the preferred port: it only matters to the login, done once there.
    start: () =>
      onSomePort(setup.port, async (port) => {
        const proc = launch(
          name,
          join(TOOLS, 'oauth2-proxy'),
          [`--http-address=127.0.0.1:${port}`, ...args],
          {
            core: SERVER_CORE,
            env: { GOMAXPROCS: '1' },
          },
        )
        const url = `http://127.0.0.1:${port}`
        try {
          await waitHttp(`${url}/ping`, proc, (status) => status === 200)
        } catch (error) {
          await proc.stop()
          throw error
        }
        return { url, procs: [proc], stop: () => proc.stop() }
      }),
  }
}

export const newCookieSecret = (): string => randomBytes(16).toString('hex')

/** A real login through oauth2-proxy and the fake FxA; returns the Cookie header it leaves. */
export async function loginThroughOauth2Proxy(url: string, email: string): Promise<string> {
  const jar = createCookieJar()
  const start = await jar.fetch(`${url}/oauth2/start?rd=%2F`)
  const authorize = start.headers.get('location')
  if (authorize === null) throw new Error(`oauth2-proxy /oauth2/start answered ${start.status}`)
  const callback = await loginWithForm(jar.fetch, authorize, email)
  const back = await jar.fetch(callback)
  await back.body?.cancel()
  const cookie = jar.cookieHeader(url)
  if (!/_oauth2_proxy=/.test(cookie))
    throw new Error(`oauth2-proxy login left no session cookie (${back.status})`)
  return cookie
    .split('; ')
    .filter((pair) => pair.startsWith('_oauth2_proxy='))
    .join('; ')
}

/**
 * An ID token for oauth2-proxy's bearer path (it verifies JWTs itself): a code flow against the fake
 * FxA for oauth2-proxy's client, done by hand.
 */
export async function idTokenFor(issuer: string, redirectUri: string, email: string): Promise<string> {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string
    token_endpoint: string
  }
  const authorize = new URL(discovery.authorization_endpoint)
  authorize.search = new URLSearchParams({
    client_id: OAUTH2_PROXY_CLIENT.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid profile',
    state: randomBytes(8).toString('hex'),
  }).toString()
  const jar = createCookieJar()
  const code = new URL(await loginWithForm(jar.fetch, authorize, email)).searchParams.get('code')
  if (code === null) throw new Error('no code from the fake FxA')
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${OAUTH2_PROXY_CLIENT.clientId}:${OAUTH2_PROXY_CLIENT.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    }).toString(),
  })
  const body = (await response.json()) as { id_token?: string }
  if (body.id_token === undefined) throw new Error(`token endpoint answered ${response.status}`)
  return body.id_token
}
