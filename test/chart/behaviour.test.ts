import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXTERNAL } from './external-objects.ts'
import { renderNotes } from './notes.ts'
import { find, gateDeployment } from './pods.ts'
import { catchHelm, ensureChartTools, type RenderOptions, render } from './tools.ts'

beforeAll(ensureChartTools)

const DEFAULTS = 'charts/fxa-gate/ci/default-values.yaml'
const withDefaults = (...setJson: string[]): RenderOptions => ({ valuesFiles: [DEFAULTS], setJson })
/** A shared assertion key, which several replicas need (its content is checked by the application). */
const ASSERTION_KEY = `secrets.assertionKey=${JSON.stringify(EXTERNAL.secrets?.['fxa-gate-credentials']?.['assertion-key'])}`
const podAnnotations = (options: RenderOptions) =>
  gateDeployment(render(options)).spec.template.metadata.annotations

describe('rolling the pods when configuration changes', () => {
  it('changes checksum/config when a config value changes', () => {
    const before = podAnnotations(withDefaults())
    const after = podAnnotations(withDefaults('config.logLevel="debug"'))
    expect(before['checksum/config']).toMatch(/^[0-9a-f]{64}$/)
    expect(after['checksum/config']).not.toBe(before['checksum/config'])
    expect(after['checksum/secret']).toBe(before['checksum/secret'])
  })

  it('changes checksum/secret when a secret changes', () => {
    const before = podAnnotations(withDefaults())
    const after = podAnnotations(withDefaults('secrets.clientSecret="rotated"'))
    expect(after['checksum/secret']).not.toBe(before['checksum/secret'])
    expect(after['checksum/config']).toBe(before['checksum/config'])
  })

  it('keeps both checksums when only pod resources change', () => {
    const before = podAnnotations(withDefaults())
    const after = podAnnotations(
      withDefaults('resources={"requests":{"cpu":"1","memory":"1Gi"},"limits":{"memory":"1Gi"}}'),
    )
    expect(after).toEqual(before)
  })
})

describe('sessions without Redis', () => {
  it('refuses more than one replica', () => {
    expect(catchHelm(() => render(withDefaults('replicaCount=2')))).toMatch(
      /sessions in memory.*single replica.*config\.redisUrl/,
    )
  })

  it('refuses autoscaling', () => {
    expect(catchHelm(() => render(withDefaults('autoscaling={"enabled":true}')))).toMatch(/single replica/)
  })

  it('accepts several replicas with an external Redis or the chart-run one', () => {
    expect(
      gateDeployment(
        render(withDefaults('replicaCount=3', 'config.redisUrl="redis://r:6379"', ASSERTION_KEY)),
      ).spec.replicas,
    ).toBe(3)
    expect(
      gateDeployment(render(withDefaults('replicaCount=2', 'redis.enabled=true', ASSERTION_KEY))).spec
        .replicas,
    ).toBe(2)
  })

  it('refuses both an external Redis and the chart-run one', () => {
    expect(
      catchHelm(() => render(withDefaults('redis.enabled=true', 'config.redisUrl="redis://r:6379"'))),
    ).toMatch(/not both/)
  })
})

describe('disruption budget', () => {
  it('is not created for a single pod, where it would block node drains', () => {
    expect(find(render(withDefaults()), 'PodDisruptionBudget')).toBeUndefined()
  })

  it('refuses a minAvailable that leaves no pod evictable', () => {
    const error = catchHelm(() =>
      render(
        withDefaults(
          'replicaCount=2',
          'config.redisUrl="redis://r:6379"',
          'podDisruptionBudget.minAvailable=2',
        ),
      ),
    )
    expect(error).toMatch(/minAvailable \(2\) must be lower than the replica count \(2\)/)
  })

  it('follows the autoscaler: the Deployment leaves replicas to the HPA', () => {
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/hpa-pdb-values.yaml'] })
    expect(gateDeployment(objects).spec.replicas).toBeUndefined()
    expect(find(objects, 'HorizontalPodAutoscaler')?.spec.scaleTargetRef.name).toBe(
      gateDeployment(objects).metadata.name,
    )
    expect(find(objects, 'PodDisruptionBudget')?.spec).toMatchObject({ maxUnavailable: 1 })
  })
})

describe('secrets', () => {
  it("with existingSecret, creates no Secret and mounts the named keys of the user's Secret", () => {
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/existing-secret-values.yaml'] })
    expect(find(objects, 'Secret')).toBeUndefined()
    const pod = gateDeployment(objects).spec.template.spec
    expect(pod.volumes.find((v: { name: string }) => v.name === 'secrets').secret).toMatchObject({
      secretName: 'fxa-gate-credentials',
      items: [
        { key: 'assertion-key', path: 'assertion-key' },
        { key: 'oauth-client-secret', path: 'client-secret' },
        { key: 'cookie-secrets', path: 'cookie-secrets' },
      ],
    })
    expect(gateDeployment(objects).spec.template.metadata.annotations['checksum/secret']).toBeUndefined()
  })

  it('refuses secrets in values together with existingSecret', () => {
    const error = catchHelm(() =>
      render({
        valuesFiles: ['charts/fxa-gate/ci/existing-secret-values.yaml'],
        setJson: ['secrets.clientSecret="x"'],
      }),
    )
    expect(error).toMatch(/existingSecret.*secrets\.clientSecret/)
  })

  it('keeps secret values out of the ConfigMap and the pod spec', () => {
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/redis-sentinel-values.yaml'] })
    const visible = JSON.stringify(objects.filter(({ object }) => object.kind !== 'Secret'))
    for (const secret of ['ci-client-secret-not-a-real-one', 'ci-redis-password', 'ci-cookie-secret-new']) {
      expect(visible).not.toContain(secret)
    }
  })
})

describe('the login host Ingress', () => {
  it('routes only <publicUrl path><prefix> of the publicUrl host to the main port, with TLS', () => {
    const ingress = find(render({ valuesFiles: ['charts/fxa-gate/ci/ingress-values.yaml'] }), 'Ingress')
    expect(ingress?.spec.rules).toEqual([
      {
        host: 'www.example.com',
        http: {
          paths: [
            {
              path: '/account/_gate',
              pathType: 'Prefix',
              backend: { service: { name: 'fxa-gate', port: { name: 'http' } } },
            },
          ],
        },
      },
    ])
    expect(ingress?.spec.tls).toEqual([{ hosts: ['www.example.com'], secretName: 'fxa-gate-tls' }])
  })
})

describe('the chart-run Redis (evaluation only)', () => {
  it('is marked as not for production, requires the password, and fxa-gate points at it', () => {
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/chart-redis-values.yaml'] })
    const redis = find(objects, 'Deployment', '-redis')
    expect(redis?.metadata.annotations?.['fxa-gate.dev/warning']).toMatch(/Evaluation only/)
    expect(redis?.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--requirepass', '$(REDIS_PASSWORD)']),
    )
    expect(find(objects, 'ConfigMap')?.data.FXA_GATE_REDIS_URL).toBe(
      'redis://fxa-gate-redis.fxa-gate.svc.cluster.local:6379',
    )
    const policy = find(objects, 'NetworkPolicy', '-redis')
    expect(policy?.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(
      gateDeployment(objects).spec.selector.matchLabels,
    )
  })
})

describe('NOTES.txt', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fxa-gate-notes-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const notes = (...files: string[]): string => renderNotes(dir, files)

  it('tells the ingress-nginx annotations to add, as the tested examples have them (deploy/examples)', () => {
    const text = notes(DEFAULTS)
    // The auth URL pins the Ingress's host (?host=), and rd keeps the port ($http_host, not $host).
    expect(text).toContain(
      'nginx.ingress.kubernetes.io/auth-url: "http://fxa-gate.auth.svc.cluster.local:4180/_gate/auth/nginx?host=APP_HOST"',
    )
    expect(text).toMatch(/APP_HOST[^\n]*the host of that Ingress/)
    expect(text).toContain(
      'nginx.ingress.kubernetes.io/auth-signin: "https://auth.example.com/_gate/start?rd=$scheme://$http_host$escaped_request_uri"',
    )
    expect(text).toContain(
      'nginx.ingress.kubernetes.io/auth-response-headers: "X-User-Id,X-User-Email,X-User-Name,X-User-Locale,X-User-Subscriptions,X-User-Scopes,X-User-Auth,X-User-Metrics-Enabled,X-User-Groups,X-User-Assertion"',
    )
    expect(text).toMatch(/no Redis is configured/)
  })

  it('warns that the chart-run Redis is for evaluation only', () => {
    expect(notes('charts/fxa-gate/ci/chart-redis-values.yaml')).toMatch(/WARNING: .*evaluation\s+only/s)
  })
})

describe('the grace period fits the shutdown sequence', () => {
  const grace = (options: RenderOptions) =>
    gateDeployment(render(options)).spec.template.spec.terminationGracePeriodSeconds

  it('is computed from config.shutdownDelay + config.shutdownTimeout + a preStop sleep + 5 s', () => {
    expect(grace(withDefaults())).toBe(30)
    expect(grace(withDefaults('config.shutdownDelay="1500ms"', 'config.shutdownTimeout="1m"'))).toBe(67)
    expect(grace(withDefaults('lifecycle={"preStop":{"sleep":{"seconds":10}}}'))).toBe(40)
  })

  it('keeps an explicit value that covers the drain, and refuses one that does not', () => {
    expect(grace(withDefaults('terminationGracePeriodSeconds=120'))).toBe(120)
    expect(catchHelm(() => render(withDefaults('terminationGracePeriodSeconds=20')))).toMatch(
      /terminationGracePeriodSeconds \(20\) is shorter than fxa-gate's drain.*= 30s/,
    )
  })
})
