import { returnUrlPolicyProblems } from '../redirect/return-url.ts'
import { parseRedisUrl } from '../redis/url.ts'
import { type ListenAddress, listenAddress } from './listen.ts'
import type { RawConfig } from './schema.ts'
import { serviceProblems } from './services-schema.ts'

/** Where FxA's OAuth and profile APIs live for its known issuers. */
const KNOWN_FXA: Record<string, { oauth: string; profile: string }> = {
  'https://accounts.firefox.com': {
    oauth: 'https://oauth.accounts.firefox.com/v1',
    profile: 'https://profile.accounts.firefox.com/v1',
  },
  'https://accounts.stage.mozaws.net': {
    oauth: 'https://oauth.stage.mozaws.net/v1',
    profile: 'https://profile.stage.mozaws.net/v1',
  },
}

export interface CookieSettings {
  /** Name of the session cookie, with `__Host-` or `__Secure-` when secure. */
  readonly sessionName: string
  /** Name of the single pending-login cookie. */
  readonly loginName: string
  /** Name of the short-lived note of a refusal behind ingress-nginx (see pages/denial-note.ts). */
  readonly deniedName: string
  readonly domain: string | undefined
  readonly secure: boolean
}

/** Configuration after validation and derivation: what the rest of the program reads. Frozen. */
export interface Config extends Readonly<Omit<RawConfig, 'listen' | 'adminListen'>> {
  readonly issuer: string
  readonly listen: ListenAddress
  readonly adminListen: ListenAddress
  readonly publicOrigin: string
  readonly callbackUrl: string
  /** `<publicUrl><prefix>/start`: where browsers begin a login. */
  readonly loginUrl: string
  readonly fxaOauthUrl: string | undefined
  readonly fxaProfileUrl: string | undefined
  readonly publicClient: boolean
  /** The issuer is plain http on a loopback address: only the fake FxA of tests and the demo. */
  readonly insecureIssuer: boolean
  readonly cookie: CookieSettings
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '')
}

export function deriveConfig(raw: RawConfig): {
  config: Config
  problems: { key: string; message: string }[]
} {
  const problems: { key: string; message: string }[] = []
  const issuer = trimSlash(raw.issuer)
  const issuerUrl = new URL(issuer)
  const insecureIssuer = issuerUrl.protocol === 'http:'
  if (insecureIssuer && !LOOPBACK.has(issuerUrl.hostname)) {
    problems.push({
      key: 'issuer',
      message: 'must be https (plain http is only accepted on loopback, for local testing)',
    })
  }
  const known = KNOWN_FXA[issuer]
  const publicUrl = new URL(raw.publicUrl)
  if (publicUrl.search || publicUrl.hash)
    problems.push({ key: 'publicUrl', message: 'must not have a query or fragment' })
  const publicBase = trimSlash(publicUrl.origin + publicUrl.pathname)
  if (raw.cookieSecure && publicUrl.protocol !== 'https:') {
    problems.push({
      key: 'cookieSecure',
      message: 'secure cookies need an https publicUrl (set false only for local http)',
    })
  }
  if (raw.listen === raw.adminListen)
    problems.push({ key: 'adminListen', message: 'must differ from listen' })
  if (raw.sessionIdleTtl > raw.sessionAbsoluteTtl) {
    problems.push({ key: 'sessionIdleTtl', message: 'must not exceed sessionAbsoluteTtl' })
  }
  if (raw.sessionAbsoluteTtl < 1000)
    problems.push({ key: 'sessionAbsoluteTtl', message: 'must be at least 1s' })
  for (const message of returnUrlPolicyProblems({
    publicUrl: raw.publicUrl,
    allowedHosts: raw.allowedRedirectHosts,
    defaultRedirect: raw.defaultRedirect,
  })) {
    problems.push({ key: /default/i.test(message) ? 'defaultRedirect' : 'allowedRedirectHosts', message })
  }
  if (raw.maxUploads >= raw.upstreamConnections)
    problems.push({
      key: 'maxUploads',
      message: 'must be below upstreamConnections, so uploads never hold the whole pool',
    })
  if (raw.maxUploadsPerClient > raw.maxUploads)
    problems.push({ key: 'maxUploadsPerClient', message: 'must not exceed maxUploads' })
  if (!raw.scopes.includes('openid')) problems.push({ key: 'scopes', message: 'must include openid' })
  problems.push(...redisProblems(raw))
  if (raw.eventsWebhookUrls.length > 0 && raw.eventsWebhookSecret === undefined) {
    problems.push({
      key: 'eventsWebhookSecret',
      message: 'is required when eventsWebhookUrls is set (webhook calls are signed)',
    })
  }

  problems.push(
    ...serviceProblems(
      raw.services,
      raw.assertionAudience ?? trimSlash(raw.publicUrl),
      raw.eventsWebhookSecret !== undefined,
    ),
  )

  const secure = raw.cookieSecure
  const hostOnlyPrefix = secure ? (raw.cookieDomain ? '__Secure-' : '__Host-') : ''
  const config: Config = {
    ...raw,
    issuer,
    listen: listenAddress(raw.listen),
    adminListen: listenAddress(raw.adminListen),
    publicOrigin: publicUrl.origin,
    callbackUrl: `${publicBase}${raw.prefix}/callback`,
    loginUrl: `${publicBase}${raw.prefix}/start`,
    fxaOauthUrl: raw.fxaOauthUrl ? trimSlash(raw.fxaOauthUrl) : known?.oauth,
    fxaProfileUrl: raw.fxaProfileUrl ? trimSlash(raw.fxaProfileUrl) : known?.profile,
    // FxA serves its settings under the issuer; a generic provider's page must be configured.
    accountSettingsUrl:
      raw.accountSettingsUrl ??
      (known !== undefined || raw.fxaOauthUrl !== undefined ? `${issuer}/settings` : undefined),
    publicClient: raw.clientSecret === undefined,
    insecureIssuer,
    cookie: {
      sessionName: `${hostOnlyPrefix}${raw.cookieName}`,
      loginName: `${hostOnlyPrefix}${raw.cookieName}_login`,
      deniedName: `${hostOnlyPrefix}${raw.cookieName}_denied`,
      domain: raw.cookieDomain?.replace(/^\./, ''),
      secure,
    },
  }
  return { config: deepFreeze(config), problems }
}

/** Redis TLS and Sentinel settings that cannot apply to the configured URL. */
function redisProblems(raw: RawConfig): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = []
  const target = raw.redisUrl === undefined ? undefined : parseRedisUrl(raw.redisUrl)
  for (const name of ['redisCaCert', 'redisClientCert', 'redisClientKey'] as const) {
    if (raw[name] !== undefined && target?.tls !== true)
      problems.push({
        key: name,
        message: 'needs a TLS Redis URL (rediss://, rediss+sentinel://, rediss+cluster://)',
      })
  }
  if ((raw.redisClientCert === undefined) !== (raw.redisClientKey === undefined)) {
    const missing = raw.redisClientCert === undefined ? 'redisClientCert' : 'redisClientKey'
    problems.push({ key: missing, message: 'mutual TLS needs both redisClientCert and redisClientKey' })
  }
  if (raw.redisSentinelPassword !== undefined && target?.kind !== 'sentinel')
    problems.push({ key: 'redisSentinelPassword', message: 'applies only to a redis+sentinel:// URL' })
  return problems
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
