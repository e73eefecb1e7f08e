import { createPrivateKey, X509Certificate } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import { z } from 'zod'
import { keyProblem, parsePublicKeys, parseSigningKey } from '../assertion/keys.ts'
import { parseRedisUrl } from '../redis/url.ts'
import { durationSchema as duration } from './duration.ts'
import { listenAddressSchema } from './listen.ts'
import { servicesSchema } from './services-schema.ts'

/**
 * How a value given as a string (environment variable) is read. YAML values of the right type are
 * taken as they are.
 */
export type KeyKind = 'string' | 'list' | 'bool' | 'int' | 'duration' | 'structured'

export interface KeyDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: KeyKind
  /** One line for operators; the chart's values.yaml and the README table are generated from it. */
  readonly doc: string
  readonly schema: S
  /** Secrets may also be given as `<ENV>_FILE` (a path) and are never logged. */
  readonly secret?: boolean
}

const url = z.url({ protocol: /^https?$/ })
const hostPort = listenAddressSchema('0.0.0.0:4180')
const list = z.array(z.string().min(1))
const cidr = z.string().refine((value) => {
  try {
    if (value.includes('/')) ipaddr.parseCIDR(value)
    else ipaddr.parse(value)
    return true
  } catch {
    return false
  }
}, 'expected an IP address or CIDR such as 10.0.0.0/8')
const pathPattern = z.string().regex(/^(\*|\/[\x21-\x7e]*)$/, 'expected a path like /public/* or /healthz')
const rule = z
  .object({
    hosts: z
      .array(z.string().regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/, 'expected a host or *.domain'))
      .min(1)
      .optional(),
    paths: z.array(pathPattern).min(1).optional(),
    methods: z
      .array(z.string().regex(/^[A-Za-z]{1,20}$/))
      .min(1)
      .optional(),
    access: z.enum(['public', 'authenticated']).optional(),
    allowedEmails: z.array(z.string().includes('@')).optional(),
    allowedDomains: z.array(z.string().regex(/^@?[A-Za-z0-9.-]+$/)).optional(),
    requiredCapabilities: z.array(z.string().min(1)).optional(),
    requiredScopes: z.array(z.string().min(1)).optional(),
    allowedGroups: z.array(z.string().min(1).max(256)).optional(),
    minAal: z.number().int().min(0).max(3).optional(),
  })
  .strict()
/** A key setting that must parse (PEM or JWK); the message never holds key material. */
const keyMaterial = (parse: (text: string) => unknown) =>
  z.string().superRefine((text, ctx) => {
    const problem = keyProblem(parse, text)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a usable key: ${problem}` })
  })
/** PEM certificates (one or more), each of which must parse; the message never holds the material. */
const pemCertificates = keyMaterial((text) => {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)
  if (blocks === null) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----)')
  for (const block of blocks) new X509Certificate(block)
})
const pemPrivateKey = keyMaterial((text) => createPrivateKey(text))
/** `auto`, or a number of replicas (a string from the environment). */
const waitReplicas = z.union([
  z.literal('auto'),
  z.number().int().min(0).max(16),
  z
    .string()
    .regex(/^\d{1,2}$/, 'expected auto or a number of replicas')
    .transform(Number)
    .pipe(z.number().int().min(0).max(16)),
])
const headerPrefix = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,30}-$/, 'expected a header-name prefix ending with -, e.g. X-User-')

function key<S extends z.ZodType>(kind: KeyKind, schema: S, doc: string, secret = false): KeyDefinition<S> {
  return { kind, schema, doc, secret }
}

/** Every configuration key, its default and its documentation. The environment name is derived. */
export const CONFIG_KEYS = {
  // identity provider
  issuer: key(
    'string',
    url.default('https://accounts.firefox.com'),
    'OpenID issuer (FxA production by default); discovery is read from it',
  ),
  fxaOauthUrl: key(
    'string',
    url.optional(),
    'FxA OAuth API base (introspect, verify, destroy); derived for known FxA issuers',
  ),
  fxaProfileUrl: key(
    'string',
    url.optional(),
    'FxA profile API base; derived for known FxA issuers, else the userinfo endpoint is used',
  ),
  clientId: key('string', z.string().min(1), 'OAuth client id registered with the provider'),
  clientSecret: key(
    'string',
    z.string().min(1).optional(),
    'OAuth client secret; absent means a public client (PKCE S256)',
    true,
  ),
  scopes: key(
    'list',
    list.default(['openid', 'profile']),
    'Scopes asked for at login (space or comma separated)',
  ),
  requireEmailVerified: key(
    'bool',
    z.boolean().default(true),
    'Generic OIDC: refuse a login whose email the provider does not mark email_verified: true (not checked for FxA, whose emails are verified)',
  ),
  acrAalMap: key(
    'structured',
    z.record(z.string().min(1).max(256), z.number().int().min(1).max(3)).default({ AAL1: 1, AAL2: 2 }),
    'How an ID token acr maps to an AAL, e.g. {"1": 1, "2": 2} for Keycloak; FxA\'s fxa-aal claim wins; an unmapped acr is AAL 1',
  ),
  groupsClaim: key(
    'string',
    z
      .string()
      .regex(/^[A-Za-z0-9_:/-]{1,64}(\.[A-Za-z0-9_:/-]{1,64}){0,4}$/, 'expected a claim name or dotted path')
      .default('groups'),
    "Generic OIDC: the claim (dotted path, e.g. realm_access.roles) listing the user's groups: allowedGroups in rules, allowed_groups= in the auth URL, the <prefix>Groups header",
  ),
  providerTimeout: key(
    'duration',
    duration.prefault('5s'),
    'Timeout of each HTTP call to the provider during login and logout',
  ),
  loginTimeout: key(
    'duration',
    duration.prefault('10m'),
    'How long a started login may take before its state expires',
  ),

  // listeners and routing
  publicUrl: key(
    'string',
    url,
    'External base URL of fxa-gate; the callback is <publicUrl><prefix>/callback',
  ),
  listen: key(
    'string',
    hostPort.default('0.0.0.0:4180'),
    'Main listener (login endpoints, forward-auth, sidecar proxy)',
  ),
  adminListen: key('string', hostPort.default('0.0.0.0:9180'), 'Admin listener (healthz, readyz, metrics)'),
  prefix: key(
    'string',
    z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'expected a path like /_gate')
      .default('/_gate'),
    "Path prefix of fxa-gate's own endpoints",
  ),
  upstream: key('string', url.optional(), 'Sidecar mode: the application to proxy allowed requests to'),
  trustedProxies: key(
    'list',
    z.array(cidr).default([]),
    'CIDRs of peers whose X-Forwarded-* headers are believed (empty: none)',
  ),
  publicPaths: key(
    'list',
    z.array(pathPattern).default([]),
    'Paths served without login, e.g. /public/*,/healthz (matched on the canonical path)',
  ),
  rules: key(
    'structured',
    z.array(rule).default([]),
    'Authorization rules (YAML list; first match wins; see README "Authorization rules")',
  ),
  services: key(
    'structured',
    servicesSchema,
    'Services behind this gate, each with its hosts, assertion audience and lifetimes, service tokens and nodes (YAML or JSON list; see docs/services.md)',
  ),
  identityHeaderPrefix: key(
    'string',
    headerPrefix.default('X-User-'),
    'Prefix of the identity headers (X-User-Id, X-User-Email, ...); clients can never send these',
  ),
  legacyIdentityHeaders: key(
    'list',
    // What other auth proxies and platforms hand to applications, and applications therefore trust:
    // oauth2-proxy, Authelia, authentik, Grafana's auth proxy, Kubernetes' front proxy, IAP,
    // Cloudflare Access, ALB, App Service, Pomerium, Vouch and common home-grown names.
    list.default([
      'X-Forwarded-User',
      'X-Forwarded-Email',
      'X-Forwarded-Preferred-Username',
      'X-Forwarded-Groups',
      'X-Forwarded-Access-Token',
      'X-Forwarded-Login',
      'X-Auth-Request-*',
      'Remote-User',
      'Remote-Groups',
      'Remote-Email',
      'Remote-Name',
      'X-Remote-User',
      'X-Remote-Group',
      'X-Remote-Extra-*',
      'X-Authentik-*',
      'X-Webauth-*',
      'X-Goog-Authenticated-User-*',
      'X-Goog-Iap-Jwt-Assertion',
      'Cf-Access-Authenticated-User-*',
      'Cf-Access-Jwt-Assertion',
      'X-Amzn-Oidc-*',
      'X-Ms-Client-Principal-*',
      'X-Ms-Token-*',
      'X-Pomerium-Claim-*',
      'X-Pomerium-Jwt-Assertion',
      'X-Vouch-*',
      'X-Email',
      'X-Username',
      'X-Authenticated-User',
    ]),
    'Other identity header names stripped from client requests (Name-* = the name and any -suffix)',
  ),
  requestTimeout: key(
    'duration',
    duration.prefault('60s').refine((ms) => ms >= 1_000, 'must be at least 1s'),
    'Longest a client may take to send a whole request, headers and body, on every listener; then 408 and the connection closes',
  ),
  requestBodyIdleTimeout: key(
    'duration',
    duration.prefault('10s').refine((ms) => ms >= 1_000, 'must be at least 1s'),
    'Longest pause within a request body (fxa-gate not holding it back); then 408 and the connection closes',
  ),
  maxInFlight: key(
    'int',
    z.number().int().min(1).max(1_000_000).default(1024),
    'Sidecar: most requests being proxied at once; more get 503 with Retry-After',
  ),
  maxInFlightPerConnection: key(
    'int',
    z.number().int().min(1).max(10_000).default(16),
    'Sidecar: most requests one client connection has in flight (HTTP/1.1 pipelining); more get 429',
  ),
  upstreamConnections: key(
    'int',
    z.number().int().min(2).max(100_000).default(256),
    'Sidecar: most connections to the upstream at once (keep-alive pool)',
  ),
  maxUploads: key(
    'int',
    z.number().int().min(1).max(100_000).default(128),
    'Sidecar: most requests still sending their body at once, so stalled uploads hold at most this much of the pool; more get 503',
  ),
  maxUploadsPerClient: key(
    'int',
    z.number().int().min(1).max(100_000).default(16),
    'Sidecar: the same per client address (IPv6 per /64; X-Forwarded-For only from trustedProxies); more get 429',
  ),
  upstreamTimeout: key(
    'duration',
    duration.prefault('30s'),
    "Sidecar: longest wait for the upstream's response headers, and between two chunks of its body; then 504",
  ),
  upstreamConnectTimeout: key(
    'duration',
    duration.prefault('5s'),
    'Sidecar: longest wait for a TCP connection to the upstream; then 504 (a refused connection is a 502 at once)',
  ),
  upstreamAuthorization: key(
    'string',
    z.enum(['remove-when-consumed', 'remove', 'pass']).default('remove-when-consumed'),
    "Sidecar: the client's Authorization header upstream: removed when fxa-gate authenticated with it, always removed, or passed",
  ),
  assertionKey: key(
    'string',
    keyMaterial(parseSigningKey).optional(),
    'Private key signing X-User-Assertion (PEM, JWK, or JWK Set whose first key signs); absent = generated at start, per replica',
    true,
  ),
  assertionPreviousKeys: key(
    'string',
    keyMaterial(parsePublicKeys).optional(),
    'Other keys published in jwks.json (PEM blocks, JWK or JWK Set): the previous key until its last assertion expired, or the next one',
    true,
  ),
  assertionAudience: key(
    'string',
    z.string().min(1).max(256).optional(),
    'The aud claim of X-User-Assertion: the service it is meant for (default: publicUrl)',
  ),
  assertionTtl: key(
    'duration',
    duration.prefault('60s').refine((ms) => ms >= 5_000 && ms <= 3_600_000, 'must be between 5s and 1h'),
    'Lifetime of an X-User-Assertion token',
  ),
  authCacheTtl: key(
    'duration',
    duration.prefault('30s'),
    'How long a proxy may cache an allow answer (Cache-Control max-age; delays revocation by as much); 0 = no-store',
  ),
  bearerCheck: key(
    'string',
    z.enum(['introspect', 'verify']).default('introspect'),
    'How bearer tokens are checked with FxA: /v1/introspect (default) or /v1/verify',
  ),
  bearerTimeout: key(
    'duration',
    duration.prefault('1s'),
    'Timeout of one bearer token check at the provider',
  ),
  bearerCacheMaxTtl: key(
    'duration',
    duration.prefault('10m'),
    'Longest a positive token result is cached (never past the token expiry)',
  ),
  bearerNegativeTtl: key(
    'duration',
    duration.prefault('60s'),
    'How long an invalid token is remembered as invalid',
  ),
  bearerFailureTtl: key(
    'duration',
    duration.prefault('5s'),
    'How long a failed provider check (outage) answers 503 before trying again, unless FxA sent Retry-After',
  ),
  bearerCheckRate: key(
    'int',
    z.number().int().min(1).max(100_000).default(20),
    'Checks per second at the provider of bearer tokens not yet known, overall; a check of a valid token is given back',
  ),
  bearerCheckBurst: key(
    'int',
    z.number().int().min(1).max(100_000).default(100),
    'How many such checks may go out at once before bearerCheckRate applies (then 503 with Retry-After)',
  ),
  bearerCheckRatePerClient: key(
    'int',
    z.number().int().min(1).max(100_000).default(2),
    'The same per client address (IPv6 per /64; X-Forwarded-For only from trustedProxies)',
  ),
  bearerCheckBurstPerClient: key(
    'int',
    z.number().int().min(1).max(100_000).default(20),
    'How many such checks one client may start at once before bearerCheckRatePerClient applies (then 429)',
  ),
  bearerAllowedClients: key(
    'list',
    list.default([]),
    'OAuth client ids whose bearer tokens are accepted (others get 401 invalid_token). BREAKING (0.2): when empty, a bearer token is accepted only where a rule or the auth URL names requiredScopes, or on the hosts and token endpoint of a service naming its requiredScopes or allowedClients; elsewhere it gets 401 BEARER_NOT_ACCEPTED',
  ),
  bearerPassUpstream: key(
    'bool',
    z.boolean().default(false),
    'Sidecar: pass the Authorization header of a consumed bearer token to the upstream',
  ),
  logLevel: key(
    'string',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'Log level of the JSON logs on stdout',
  ),

  // what people see: pages, step-up and subscribe
  subscribeUrl: key(
    'string',
    url.optional(),
    'Where a browser missing a required capability is sent (302, with ?capability=…&return_url=…); absent = a 403 page naming the plan',
  ),
  accountSettingsUrl: key(
    'string',
    url.optional(),
    "The account provider's settings page, linked from the pages (two-step set-up, signing out there); default <issuer>/settings for FxA",
  ),
  brandingProductName: key(
    'string',
    z.string().trim().min(1).max(80).optional(),
    'Name of the site shown on the pages (title, header, "You signed out of …"); absent = "this site"',
  ),
  brandingLogoUrl: key(
    'string',
    z
      .union([
        url,
        z
          .string()
          .regex(
            /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]{0,2047}$/,
            'expected an http(s) URL or a path like /logo.svg',
          ),
      ])
      .optional(),
    'Logo at the top of the pages: an http(s) URL or a path on this origin',
  ),
  brandingAccentColor: key(
    'string',
    z
      .string()
      .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'expected a colour like #0061e0')
      .optional(),
    'Accent colour of buttons and links on the pages (#rgb or #rrggbb; text on it is chosen for contrast)',
  ),
  brandingProviderName: key(
    'string',
    z.string().trim().min(1).max(80).optional(),
    'Name of the account provider on the pages; absent = "Mozilla account" in the page\'s language',
  ),
  brandingPlanNames: key(
    'structured',
    z.record(z.string().min(1).max(256), z.string().trim().min(1).max(80)).default({}),
    'Names of subscription capabilities on the pages, e.g. {premium: "Premium"} ("Needs a Premium subscription"); absent = the capability itself',
  ),
  templatesDir: key(
    'string',
    z.string().min(1).optional(),
    'A directory of page templates (layout.liquid, message.liquid, sessions.liquid) and locales/<lang>.ftl replacing the shipped ones by name',
  ),

  // operations: logs, probes, shutdown, tracing
  accessLog: key(
    'string',
    z
      .string()
      .regex(/^(off|denied|all|sampled:[1-9]\d{0,6})$/, 'expected off, denied, sampled:N (1 in N) or all')
      .default('denied'),
    'Access log lines (method, host, path, status, duration, uid, request id): off, denied (refusals and errors), sampled:N (those and 1 in N others), all',
  ),
  readinessDependencies: key(
    'bool',
    z.boolean().default(false),
    '/readyz also fails while Redis or FxA discovery is unavailable (takes every replica out at once in an outage)',
  ),
  shutdownDelay: key(
    'duration',
    duration.prefault('5s'),
    'After SIGTERM, how long new requests are still served (with /readyz failing) while load balancers drop the pod',
  ),
  shutdownTimeout: key(
    'duration',
    duration.prefault('20s'),
    'Then, how long in-flight requests and streams may take to finish before fxa-gate exits anyway',
  ),
  tracing: key(
    'bool',
    z.boolean().default(false),
    'OpenTelemetry tracing (OTLP export, configured by the standard OTEL_* variables, e.g. OTEL_EXPORTER_OTLP_ENDPOINT)',
  ),

  // account events (FxA Security Event Tokens) and operator revocation
  eventsEnabled: key(
    'bool',
    z.boolean().default(true),
    'Accept FxA account events (Security Event Tokens) at POST <prefix>/events/fxa',
  ),
  eventsIssuer: key(
    'string',
    url.optional(),
    'The iss of FxA account events (default: the issuer; a trailing slash is tolerated)',
  ),
  eventsJtiTtl: key(
    'duration',
    duration.prefault('24h'),
    'How long processed event ids (jti) are remembered, so a redelivered event changes nothing',
  ),
  eventsWebhookUrls: key(
    'list',
    z.array(url).default([]),
    'Services told of delete-user by a signed POST (HMAC-SHA256, X-Fxa-Gate-Signature), so they erase their own data',
  ),
  eventsWebhookSecret: key(
    'string',
    z.string().min(32, 'needs at least 32 characters').optional(),
    'HMAC-SHA256 key signing the delete-user webhook calls; required with eventsWebhookUrls',
    true,
  ),
  adminToken: key(
    'string',
    z.string().min(32, 'needs at least 32 characters').optional(),
    'Bearer token for the admin endpoints that change state (POST /sessions/revoke); absent = they refuse everyone',
    true,
  ),
  adminHosts: key(
    'list',
    z.array(z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/, 'expected a host name')).default([]),
    'Host names the admin listener answers besides localhost and IP literals (e.g. its Service name); others get 421',
  ),

  // sessions
  redisUrl: key(
    'string',
    z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseRedisUrl(value)
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message })
        }
      })
      .optional(),
    'Redis for sessions: redis://, rediss://, redis+sentinel://h1,h2/master, redis+cluster://h1,h2; absent = in-memory (single replica)',
  ),
  redisPassword: key('string', z.string().min(1).optional(), 'Redis password when not in the URL', true),
  redisKeyPrefix: key(
    'string',
    z.string().min(1).max(64).default('fxa-gate:'),
    'Prefix of every Redis key fxa-gate writes',
  ),
  redisCommandTimeout: key(
    'duration',
    duration.prefault('500ms').refine((ms) => ms >= 10 && ms <= 60_000, 'must be between 10ms and 60s'),
    'Deadline of each Redis command; past it the request is answered 503 STORE_UNAVAILABLE with Retry-After',
  ),
  redisWaitReplicas: key(
    'string',
    waitReplicas.default('auto'),
    'Replicas that must confirm (WAIT) a write that ends or narrows a session before it counts as done: auto = one when the master has a replica online, 0 = never wait',
  ),
  redisWaitTimeout: key(
    'duration',
    duration.prefault('500ms').refine((ms) => ms >= 10 && ms <= 60_000, 'must be between 10ms and 60s'),
    'How long such a write waits for its replicas; then 503 REPLICATION_UNCONFIRMED with Retry-After, and the caller retries',
  ),
  redisCaCert: key(
    'string',
    pemCertificates.optional(),
    'PEM CA certificate(s) that rediss:// trusts for Redis and Sentinel, instead of the system CAs',
    true,
  ),
  redisClientCert: key(
    'string',
    pemCertificates.optional(),
    'PEM client certificate for mutual TLS with Redis and Sentinel (with redisClientKey)',
    true,
  ),
  redisClientKey: key('string', pemPrivateKey.optional(), 'PEM private key of redisClientCert', true),
  redisSentinelPassword: key(
    'string',
    z.string().min(1).optional(),
    "The Sentinels' own password (requirepass on Sentinel), when they have one; the master's is in the URL or redisPassword",
    true,
  ),
  cookieName: key(
    'string',
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and - only')
      .default('fxa_gate'),
    'Session cookie name (__Host-/__Secure- prefix added when secure)',
  ),
  cookieDomain: key(
    'string',
    z
      .string()
      .regex(/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'expected a domain like example.com')
      .optional(),
    'Cookie domain for single sign-on across sub-domains; absent = host-only __Host- cookie',
  ),
  cookieSecure: key('bool', z.boolean().default(true), 'Secure cookies; false only for local http'),
  cookieSecrets: key(
    'list',
    z.array(z.string().min(32, 'each secret needs at least 32 characters')).min(1),
    'Secrets for cookie signing and token encryption; the first signs, all verify (rotation)',
    true,
  ),
  sessionAbsoluteTtl: key(
    'duration',
    duration.prefault('7d'),
    'Session lifetime from login, whatever the activity',
  ),
  sessionIdleTtl: key('duration', duration.prefault('24h'), 'Session ends after this long without a request'),
  sessionCacheTtl: key(
    'duration',
    duration.prefault('10s'),
    'Local session cache lifetime (pub/sub invalidated); 0 disables it',
  ),
  sessionRevalidateInterval: key(
    'duration',
    duration.prefault('15m').refine((ms) => ms >= 500 && ms <= 3_600_000, 'must be between 500ms and 1h'),
    'At most this long after its last check, a session is checked again with the provider by refreshing its tokens (and re-reading the profile); a refused refresh ends it everywhere',
  ),
  allowedRedirectHosts: key(
    'list',
    list.default([]),
    'Hosts a return URL may point to: host, host:port, *.example.com; publicUrl is always allowed',
  ),
  defaultRedirect: key(
    'string',
    z.string().startsWith('/').default('/'),
    'Where to go after login or logout when the return URL is missing or refused',
  ),
} as const satisfies Record<string, KeyDefinition>

export type ConfigKey = keyof typeof CONFIG_KEYS

/** The environment variable of a key: `clientId` → `FXA_GATE_CLIENT_ID`. */
export function envName(name: string): string {
  return `FXA_GATE_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`
}

const shape = Object.fromEntries(Object.entries(CONFIG_KEYS).map(([name, def]) => [name, def.schema])) as {
  [K in ConfigKey]: (typeof CONFIG_KEYS)[K]['schema']
}

export const configSchema = z.object(shape).strict()

export type RawConfig = z.output<typeof configSchema>
