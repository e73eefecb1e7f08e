import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { EXTERNAL } from './external-objects.ts'
import { renderNotes } from './notes.ts'
import { find, gateDeployment, loadRenderedConfig } from './pods.ts'
import { catchHelm, ensureChartTools, type RenderOptions, ROOT, render } from './tools.ts'

beforeAll(ensureChartTools)

const DEFAULTS = 'charts/fxa-gate/ci/default-values.yaml'
const withDefaults = (...setJson: string[]): RenderOptions => ({ valuesFiles: [DEFAULTS], setJson })
const scenario = (name: string, ...setJson: string[]): RenderOptions => ({
  valuesFiles: [`charts/fxa-gate/ci/${name}-values.yaml`],
  setJson,
})
const container = (options: RenderOptions) => gateDeployment(render(options)).spec.template.spec.containers[0]
const envOf = (options: RenderOptions): Record<string, string> =>
  Object.fromEntries(container(options).env.map((e: { name: string; value: string }) => [e.name, e.value]))

describe('one assertion key for several replicas', () => {
  it('refuses more than one replica, or an autoscaler, without a shared assertion key', () => {
    const redis = 'config.redisUrl="redis://r:6379"'
    for (const options of [
      withDefaults('replicaCount=2', redis),
      withDefaults('autoscaling={"enabled":true,"minReplicas":1}', redis),
      scenario('existing-secret', 'existingSecretKeys.assertionKey=""'),
    ]) {
      expect(catchHelm(() => render(options))).toMatch(
        /several replicas .* one shared key.*secrets\.assertionKey or existingSecretKeys\.assertionKey/,
      )
    }
  })

  it('mounts the shared key as FXA_GATE_ASSERTION_KEY_FILE, and needs none for a single replica', () => {
    expect(envOf(scenario('redis-sentinel'))['FXA_GATE_ASSERTION_KEY_FILE']).toBe(
      '/var/run/secrets/fxa-gate/assertion-key',
    )
    expect(envOf(withDefaults())['FXA_GATE_ASSERTION_KEY_FILE']).toBeUndefined()
  })
})

describe('existingConfigMap', () => {
  it("creates no ConfigMap, loads the user's, and passes the keys the chart builds on as env", () => {
    const options = scenario('existing-configmap')
    const objects = render(options)
    expect(find(objects, 'ConfigMap')).toBeUndefined()
    const pod = gateDeployment(objects).spec.template
    expect(pod.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'fxa-gate-settings' } }])
    expect(pod.metadata.annotations).toBeUndefined()
    expect(envOf(options)).toMatchObject({
      FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
      FXA_GATE_LISTEN: '0.0.0.0:4180',
      FXA_GATE_ADMIN_LISTEN: '0.0.0.0:9180',
      FXA_GATE_PREFIX: '/_gate',
    })
    const result = loadRenderedConfig(objects, EXTERNAL)
    expect(result.ok && result.config.clientId).toBe('client-id-from-elsewhere')
  })

  it('refuses config values it would ignore, naming the variable to put in the ConfigMap', () => {
    expect(catchHelm(() => render(scenario('existing-configmap', 'config.logLevel="debug"')))).toMatch(
      /existingConfigMap is set, so config\.logLevel would be ignored: put FXA_GATE_LOG_LEVEL in the ConfigMap fxa-gate-settings/,
    )
  })

  it('still requires the client id without it', () => {
    expect(catchHelm(() => render(withDefaults('config.clientId=""')))).toMatch(/config\/clientId/)
  })
})

describe('deployment annotations', () => {
  it('go on the Deployment (where Reloader looks), not on its pods', () => {
    const deployment = gateDeployment(render(scenario('existing-configmap')))
    expect(deployment.metadata.annotations).toEqual({ 'reloader.stakater.com/auto': 'true' })
    expect(deployment.spec.template.metadata.annotations).toBeUndefined()
    expect(gateDeployment(render(withDefaults())).metadata.annotations).toBeUndefined()
  })
})

describe('Redis TLS from Secrets', () => {
  it('mounts the CA and the client certificate read-only and names the files in FXA_GATE_REDIS_*_FILE', () => {
    const options = scenario('existing-configmap')
    const pod = gateDeployment(render(options)).spec.template.spec
    expect(envOf(options)).toMatchObject({
      FXA_GATE_REDIS_CA_CERT_FILE: '/var/run/secrets/fxa-gate-redis/ca/ca.crt',
      FXA_GATE_REDIS_CLIENT_CERT_FILE: '/var/run/secrets/fxa-gate-redis/client/tls.crt',
      FXA_GATE_REDIS_CLIENT_KEY_FILE: '/var/run/secrets/fxa-gate-redis/client/tls.key',
    })
    const volume = (name: string) => pod.volumes.find((v: { name: string }) => v.name === name)?.secret
    expect(volume('redis-ca')).toEqual({
      secretName: 'redis-ca',
      defaultMode: 0o440,
      items: [{ key: 'ca.crt', path: 'ca.crt' }],
    })
    expect(volume('redis-client-cert')).toEqual({
      secretName: 'fxa-gate-redis-client',
      defaultMode: 0o440,
      items: [
        { key: 'tls.crt', path: 'tls.crt' },
        { key: 'tls.key', path: 'tls.key' },
      ],
    })
    for (const mount of pod.containers[0].volumeMounts.filter((m: { name: string }) =>
      m.name.startsWith('redis-'),
    ))
      expect(mount.readOnly, mount.name).toBe(true)
  })

  it('takes the Secret keys from the values', () => {
    const env = envOf(
      withDefaults('config.redisUrl="rediss://r:6380"', 'redisTls.caSecret={"name":"ca","key":"bundle.pem"}'),
    )
    expect(env['FXA_GATE_REDIS_CA_CERT_FILE']).toBe('/var/run/secrets/fxa-gate-redis/ca/ca.crt')
    const pod = gateDeployment(
      render(
        withDefaults(
          'config.redisUrl="rediss://r:6380"',
          'redisTls.caSecret={"name":"ca","key":"bundle.pem"}',
        ),
      ),
    ).spec.template.spec
    expect(pod.volumes.find((v: { name: string }) => v.name === 'redis-ca').secret.items).toEqual([
      { key: 'bundle.pem', path: 'ca.crt' },
    ])
  })

  it('refuses TLS settings without a TLS Redis URL, or with the chart-run Redis', () => {
    const ca = 'redisTls.caSecret.name="ca"'
    expect(catchHelm(() => render(withDefaults(ca, 'config.redisUrl="redis://r:6379"')))).toMatch(
      /rediss:\/\//,
    )
    expect(catchHelm(() => render(withDefaults(ca)))).toMatch(/no Redis is configured/)
    expect(catchHelm(() => render(withDefaults(ca, 'redis.enabled=true')))).toMatch(/speaks no TLS/)
  })
})

describe('the login host HTTPRoute (Gateway API)', () => {
  it('routes <publicUrl path><prefix> of the publicUrl host to the Service, attached to the parents given', () => {
    const route = find(render(scenario('httproute')), 'HTTPRoute')
    expect(route?.metadata.labels).toMatchObject({ gateway: 'public', 'app.kubernetes.io/name': 'fxa-gate' })
    expect(route?.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateway', sectionName: 'https' }],
      hostnames: ['auth.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/login/_gate' } }],
          backendRefs: [{ name: 'fxa-gate', port: 4180 }],
        },
      ],
    })
  })

  it('needs parentRefs, and is absent by default', () => {
    expect(catchHelm(() => render(withDefaults('httpRoute.enabled=true')))).toMatch(
      /httpRoute\.parentRefs is required/,
    )
    expect(find(render(withDefaults()), 'HTTPRoute')).toBeUndefined()
  })
})

describe('extraObjects', () => {
  it('renders strings and structures through tpl, with the release and the named templates', () => {
    const objects = render(scenario('extra-objects'))
    const snippets = find(objects, 'ConfigMap', '-nginx-snippets')
    expect(snippets?.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'fxa-gate' })
    expect(snippets?.data['auth-url']).toBe('http://fxa-gate.fxa-gate.svc:4180/_gate/auth/nginx')
    expect(find(objects, 'ServiceAccount', '-ops')?.metadata).toMatchObject({
      name: 'fxa-gate-ops',
      namespace: 'fxa-gate',
    })
  })
})

describe('memory', () => {
  it('requests and limits what docs/operations.md measured and explains', () => {
    const values = parse(readFileSync(join(ROOT, 'charts/fxa-gate/values.yaml'), 'utf8')) as {
      resources: { requests: { memory: string }; limits: { memory: string } }
    }
    const sizing = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8')
    const { requests, limits } = values.resources
    expect(sizing).toContain(`request \`${requests.memory}\``)
    expect(sizing).toContain(`limit \`${limits.memory}\``)
    expect(container(withDefaults()).resources).toEqual(values.resources)
  })
})

describe('NOTES.txt and the cookie domain', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fxa-gate-notes-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('warns of a login loop in forward-auth mode without cookieDomain, naming the hosts that loop', () => {
    const text = renderNotes(
      dir,
      [DEFAULTS],
      ['config.allowedRedirectHosts=["app.example.com","auth.example.com:443"]'],
    )
    expect(text).toMatch(/WARNING: forward-auth without config\.cookieDomain/)
    expect(text).toContain('These return hosts differ from the login host and will loop: app.example.com.')
    expect(text).toContain('docs/operations.md#login-loops')
  })

  it('says nothing of it with a cookie domain, or in proxy mode', () => {
    expect(renderNotes(dir, ['charts/fxa-gate/ci/httproute-values.yaml'])).not.toMatch(/cookieDomain/)
    expect(renderNotes(dir, [DEFAULTS], ['config.upstream="http://app:8080"'])).not.toMatch(/cookieDomain/)
  })
})
