import { describe, expect, it } from 'vitest'
import { formatProblems, loadConfig } from '../../../src/config/load.ts'
import { CONFIG_KEYS, envName } from '../../../src/config/schema.ts'

const SECRET = 'x'.repeat(32)
const minimal = {
  FXA_GATE_CLIENT_ID: 'abc123',
  FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
  FXA_GATE_COOKIE_SECRETS: SECRET,
}
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' })
}

function load(env: Record<string, string>, yaml?: string, readFile = noFiles) {
  return loadConfig({ env, yaml, readFile })
}

describe('configuration', () => {
  it('applies FxA production defaults and derives its API bases', () => {
    const result = load(minimal)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const { config } = result
    expect(config.issuer).toBe('https://accounts.firefox.com')
    expect(config.fxaOauthUrl).toBe('https://oauth.accounts.firefox.com/v1')
    expect(config.fxaProfileUrl).toBe('https://profile.accounts.firefox.com/v1')
    expect(config.scopes).toEqual(['openid', 'profile'])
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 4180 })
    expect(config.adminListen).toEqual({ host: '0.0.0.0', port: 9180 })
    expect(config.prefix).toBe('/_gate')
    expect(config.callbackUrl).toBe('https://auth.example.com/_gate/callback')
    expect(config.publicClient).toBe(true)
    expect(config.cookie.sessionName).toBe('__Host-fxa_gate')
    expect(config.sessionAbsoluteTtl).toBe(7 * 86_400_000)
    expect(config.sessionIdleTtl).toBe(86_400_000)
  })

  it('derives the stage API bases and tolerates a trailing slash on the issuer', () => {
    const result = load({ ...minimal, FXA_GATE_ISSUER: 'https://accounts.stage.mozaws.net/' })
    expect(result.ok && result.config.fxaOauthUrl).toBe('https://oauth.stage.mozaws.net/v1')
    expect(result.ok && result.config.issuer).toBe('https://accounts.stage.mozaws.net')
  })

  it('reports every problem at once, naming each key', () => {
    const result = load({
      FXA_GATE_PUBLIC_URL: 'not a url',
      FXA_GATE_COOKIE_SECRETS: 'short',
      FXA_GATE_LISTEN: 'nowhere',
      FXA_GATE_SESSION_IDLE_TTL: 'forever',
      FXA_GATE_COOKIE_SECURE: 'maybe',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    const text = formatProblems(result.problems)
    for (const env of [
      'FXA_GATE_CLIENT_ID',
      'FXA_GATE_PUBLIC_URL',
      'FXA_GATE_COOKIE_SECRETS',
      'FXA_GATE_LISTEN',
      'FXA_GATE_SESSION_IDLE_TTL',
      'FXA_GATE_COOKIE_SECURE',
    ]) {
      expect(text).toContain(env)
    }
  })

  it('says what a bad value should be, telling it from a missing one', () => {
    const result = load({ ...minimal, FXA_GATE_COOKIE_SECURE: 'maybe', FXA_GATE_EVENTS_ENABLED: 'nope' })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems).toEqual([
      expect.objectContaining({ key: 'eventsEnabled', message: 'expected true or false' }),
      expect.objectContaining({ key: 'cookieSecure', message: 'expected true or false' }),
    ])
    const yaml = load(minimal, 'cookieSecure: "maybe"\nbearerPassUpstream: 3\n')
    expect(!yaml.ok && yaml.problems.map((p) => p.message)).toEqual([
      'expected true or false',
      'expected true or false',
    ])
  })

  it('names the place of a problem inside the rules and suggests the key a typo meant', () => {
    const rules = [
      '- paths: [/a/*]',
      '- {paths: [/b/*], allowedDomains: [example.com]}',
      '- paths: [admin]',
      '- {paths: [/c/*], acess: public, minAal: two, hosts: []}',
    ].join('\n')
    const result = load({ ...minimal, FXA_GATE_RULES: rules })
    expect(result.ok).toBe(false)
    if (result.ok) return
    const lines = formatProblems(result.problems).split('\n')
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}FXA_GATE_RULES \(rules\[2\]\.paths\[0\]\): expected a path like/),
        '  FXA_GATE_RULES (rules[3]): unknown key "acess" (did you mean "access"?)',
        '  FXA_GATE_RULES (rules[3].minAal): expected a number',
        expect.stringMatching(/^ {2}FXA_GATE_RULES \(rules\[3\]\.hosts\): /),
      ]),
    )
    expect(result.problems.every((p) => p.key === 'rules')).toBe(true)
  })

  it('suggests the configuration key a typo in the file meant, and lists the unknown variables', () => {
    const result = load({ ...minimal, FXA_GATE_SESION_IDLE_TTL: '1h' }, 'clientld: typo\nfoo: 1\n')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problems.map((p) => p.message)).toEqual([
      'unknown configuration key "clientld" (did you mean "clientId"?)',
      'unknown configuration key "foo"',
    ])
    expect(result.warnings).toEqual([
      expect.objectContaining({
        variable: 'FXA_GATE_SESION_IDLE_TTL',
        suggestion: 'FXA_GATE_SESSION_IDLE_TTL',
      }),
    ])
    expect(load(minimal).ok && load(minimal).warnings).toEqual([])
  })

  it('never echoes a secret value in its problems', () => {
    const result = load({ ...minimal, FXA_GATE_COOKIE_SECRETS: 'hunter2-is-not-long-enough' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(formatProblems(result.problems)).not.toContain('hunter2')
  })

  it('reads secrets from files named by _FILE variables', () => {
    const files: Record<string, string> = {
      '/run/secret': 'from-a-file-secret\n',
      '/run/cookies': `${SECRET},${'y'.repeat(40)}\n`,
    }
    const result = load(
      {
        ...minimal,
        FXA_GATE_COOKIE_SECRETS: '',
        FXA_GATE_COOKIE_SECRETS_FILE: '/run/cookies',
        FXA_GATE_CLIENT_SECRET_FILE: '/run/secret',
      },
      undefined,
      (path) => files[path] ?? noFiles(path),
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.clientSecret).toBe('from-a-file-secret')
    expect(result.config.cookieSecrets).toHaveLength(2)
    expect(result.config.publicClient).toBe(false)
  })

  it('refuses a secret given both directly and as a file', () => {
    const result = load({ ...minimal, FXA_GATE_CLIENT_SECRET: 'a', FXA_GATE_CLIENT_SECRET_FILE: '/x' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problems[0]?.env).toBe('FXA_GATE_CLIENT_SECRET')
  })

  it('reports an unreadable secret file by name', () => {
    const result = load({ ...minimal, FXA_GATE_CLIENT_SECRET_FILE: '/missing' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(formatProblems(result.problems)).toContain('FXA_GATE_CLIENT_SECRET_FILE')
  })

  it('reads a YAML file, with the environment taking precedence', () => {
    const yaml =
      'clientId: from-yaml\nscopes: [openid, profile, "https://identity.mozilla.com/apps/relay"]\nsessionIdleTtl: 2h\n'
    const result = load({ ...minimal, FXA_GATE_CLIENT_ID: 'from-env' }, yaml)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.clientId).toBe('from-env')
    expect(result.config.scopes).toContain('https://identity.mozilla.com/apps/relay')
    expect(result.config.sessionIdleTtl).toBe(7_200_000)
  })

  it('refuses unknown keys and non-mapping YAML', () => {
    const unknown = load(minimal, 'clientld: typo\n')
    expect(unknown.ok).toBe(false)
    if (!unknown.ok) expect(formatProblems(unknown.problems)).toContain('clientld')
    const list = load(minimal, '- a\n- b\n')
    expect(list.ok).toBe(false)
    const broken = load(minimal, 'a: [\n')
    expect(broken.ok).toBe(false)
  })

  it('refuses secure cookies on an http public URL and plain http issuers off loopback', () => {
    const result = load({
      ...minimal,
      FXA_GATE_PUBLIC_URL: 'http://auth.example.com',
      FXA_GATE_ISSUER: 'http://fxa.example.com',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    const keys = result.problems.map((p) => p.key)
    expect(keys).toContain('cookieSecure')
    expect(keys).toContain('issuer')
  })

  it('accepts local http when secure cookies are explicitly disabled', () => {
    const result = load({
      ...minimal,
      FXA_GATE_PUBLIC_URL: 'http://127.0.0.1:4180',
      FXA_GATE_ISSUER: 'http://127.0.0.1:9000',
      FXA_GATE_COOKIE_SECURE: 'false',
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.config.insecureIssuer).toBe(true)
    expect(result.config.cookie.sessionName).toBe('fxa_gate')
  })

  it('uses __Secure- and a Domain for single sign-on across sub-domains', () => {
    const result = load({ ...minimal, FXA_GATE_COOKIE_DOMAIN: '.example.com' })
    expect(result.ok && result.config.cookie).toMatchObject({
      sessionName: '__Secure-fxa_gate',
      domain: 'example.com',
    })
  })

  it('checks cross-key rules: idle within absolute lifetime, distinct listeners, CIDRs, hosts', () => {
    const result = load({
      ...minimal,
      FXA_GATE_SESSION_IDLE_TTL: '8d',
      FXA_GATE_ADMIN_LISTEN: '0.0.0.0:4180',
      FXA_GATE_ALLOWED_REDIRECT_HOSTS: 'app.example.com,https://bad',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    const keys = result.problems.map((p) => p.key)
    expect(keys).toEqual(expect.arrayContaining(['sessionIdleTtl', 'adminListen', 'allowedRedirectHosts']))
  })

  it('reports a listen port out of range together with every other problem', () => {
    const result = load({
      ...minimal,
      FXA_GATE_LISTEN: '0.0.0.0:99999',
      FXA_GATE_SESSION_IDLE_TTL: 'a while',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(formatProblems(result.problems)).toContain('FXA_GATE_LISTEN (listen): port out of range')
    expect(result.problems.map((p) => p.key)).toEqual(expect.arrayContaining(['listen', 'sessionIdleTtl']))
  })

  it('refuses trusted proxies that are not addresses or CIDRs', () => {
    const result = load({ ...minimal, FXA_GATE_TRUSTED_PROXIES: '10.0.0.0/8,not-a-cidr,10.0.0.0/99' })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problems.filter((p) => p.key === 'trustedProxies')).toHaveLength(2)
  })

  it('freezes the result', () => {
    const result = load(minimal)
    expect(result.ok && Object.isFrozen(result.config) && Object.isFrozen(result.config.scopes)).toBe(true)
  })

  it('documents every key in one line and derives every environment name', () => {
    for (const [name, def] of Object.entries(CONFIG_KEYS)) {
      expect(def.doc.length, name).toBeGreaterThan(10)
      expect(def.doc, name).not.toContain('\n')
      expect(envName(name)).toMatch(/^FXA_GATE_[A-Z0-9_]+$/)
    }
    expect(envName('fxaOauthUrl')).toBe('FXA_GATE_FXA_OAUTH_URL')
    expect(envName('allowedRedirectHosts')).toBe('FXA_GATE_ALLOWED_REDIRECT_HOSTS')
  })
})
