import { describe, expect, it } from 'vitest'
import { formatProblems, loadConfig } from '../../../src/config/load.ts'

const minimal = {
  FXA_GATE_CLIENT_ID: 'abc',
  FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
  FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
}

function load(services: unknown, extra: Record<string, string> = {}, yaml?: string) {
  const env = {
    ...minimal,
    ...extra,
    ...(services === undefined ? {} : { FXA_GATE_SERVICES: JSON.stringify(services) }),
  }
  return loadConfig({ env, yaml, readFile: () => '' })
}

function problems(services: unknown, extra: Record<string, string> = {}): string {
  const result = load(services, extra)
  if (result.ok) throw new Error('expected the configuration to be refused')
  return formatProblems(result.problems)
}

describe('the services key', () => {
  it('is empty by default', () => {
    const result = load(undefined)
    expect(result.ok && result.config.services).toEqual([])
  })

  it('reads YAML from the file and JSON or YAML from FXA_GATE_SERVICES, with defaults', () => {
    const yaml = `services:\n  - name: send\n    hosts: [Send.Example.com]\n    audience: https://send.example.com\n    tokenTtl: 10m\n    nodes:\n      - {url: 'HTTPS://N1.example.com:443/', capacity: 100}\n`
    const fromFile = loadConfig({ env: minimal, yaml, readFile: () => '' })
    expect(fromFile.ok).toBe(true)
    if (!fromFile.ok) return
    const [send] = fromFile.config.services
    expect(send).toMatchObject({
      name: 'send',
      hosts: [{ text: 'send.example.com', wildcard: false }],
      tokenTtl: 600_000,
      requiredScopes: [],
      webhookUrls: [],
      releaseRate: 0.1,
      releaseInterval: 60_000,
      nodes: [{ url: 'https://n1.example.com', capacity: 100 }],
    })
    expect(send?.assertionTtl).toBeUndefined()
    const fromEnv = loadConfig({
      env: {
        ...minimal,
        FXA_GATE_SERVICES: '- {name: send, hosts: [send.example.com], audience: s, assertionTtl: 2m}',
      },
      readFile: () => '',
    })
    expect(fromEnv.ok && fromEnv.config.services[0]?.assertionTtl).toBe(120_000)
  })

  it('refuses a host claimed by two services, naming both', () => {
    for (const [a, b] of [
      ['app.example.com', 'APP.example.com.'],
      ['*.example.com', 'files.example.com'],
      ['*.example.com', '*.eu.example.com'],
    ] as const) {
      const text = problems([
        { name: 'calendar', hosts: [a], audience: 'calendar' },
        { name: 'files', hosts: [b], audience: 'files' },
      ])
      expect(text).toContain('FXA_GATE_SERVICES (services[1].hosts[0])')
      expect(text).toContain('"calendar"')
      expect(text).toContain('"files"')
    }
  })

  it('allows a wildcard next to its own domain, which it does not claim', () => {
    const result = load([
      { name: 'apps', hosts: ['*.example.com'], audience: 'apps' },
      { name: 'home', hosts: ['example.com'], audience: 'home' },
    ])
    expect(result.ok).toBe(true)
  })

  it('refuses a name used twice, an audience shared or the global one, a node listed twice', () => {
    expect(
      problems([
        { name: 'a', audience: 'one' },
        { name: 'a', audience: 'two' },
      ]),
    ).toContain('service name "a" is used twice (services[0] and services[1])')
    expect(
      problems([
        { name: 'a', audience: 'same' },
        { name: 'b', audience: 'same' },
      ]),
    ).toContain('services "a" and "b" have the same audience')
    expect(problems([{ name: 'a', audience: 'https://auth.example.com' }])).toContain(
      'the audience of the global assertions',
    )
    expect(problems([{ name: 'a', audience: 'g' }], { FXA_GATE_ASSERTION_AUDIENCE: 'g' })).toContain('global')
    expect(
      problems([
        {
          name: 'a',
          audience: 'a',
          nodes: [
            { url: 'https://n.example.com/', capacity: 1 },
            { url: 'https://N.example.com', capacity: 2 },
          ],
        },
      ]),
    ).toContain('node https://n.example.com is listed twice')
  })

  it('refuses bad entries with their place', () => {
    const text = problems([
      { name: 'Bad_Name', audience: 'x', hosts: ['a.example.com:8443'] },
      { name: 'ok', audience: 'y', tokenTtl: '1s', assertionTtl: '2h', releaseRate: 0 },
      {
        name: 'n',
        audience: 'z',
        nodes: [
          { url: 'ftp://n', capacity: 1 },
          { url: 'https://n?x', capacity: 0 },
        ],
      },
      { name: 'u', audience: 'u', unknown: true },
      { name: 'w', audience: 'w', webhookUrls: ['https://hooks.example.com/x'] },
    ])
    for (const place of [
      'services[0].name',
      'services[0].hosts[0]',
      'services[1].tokenTtl',
      'services[1].assertionTtl',
      'services[1].releaseRate',
      'services[2].nodes[0].url',
      'services[2].nodes[1].url',
      'services[2].nodes[1].capacity',
      'services[3]',
    ])
      expect(text).toContain(place)
    expect(text).toContain('unknown key "unknown"')
  })

  it('needs the webhook secret for a service with webhook URLs', () => {
    expect(problems([{ name: 'w', audience: 'w', webhookUrls: ['https://hooks.example.com/x'] }])).toContain(
      'FXA_GATE_EVENTS_WEBHOOK_SECRET',
    )
    expect(
      load([{ name: 'w', audience: 'w', webhookUrls: ['https://hooks.example.com/x'] }], {
        FXA_GATE_EVENTS_WEBHOOK_SECRET: 's'.repeat(32),
      }).ok,
    ).toBe(true)
  })
})
