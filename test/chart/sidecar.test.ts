import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { envName } from '../../src/config/schema.ts'
import { chartKeys } from './chart-config.ts'
import { schemaErrors, strictDecodingErrors } from './k8s-schemas.ts'
import { find, hardeningProblems, loadRenderedConfig, podSpecs } from './pods.ts'
import { ensureChartTools, parseManifests, ROOT } from './tools.ts'

beforeAll(ensureChartTools)

const manifests = readFileSync(join(ROOT, 'deploy/kubernetes/sidecar-example.yaml'), 'utf8')
const objects = parseManifests(manifests)

describe('the sidecar example (deploy/kubernetes/sidecar-example.yaml)', () => {
  it('holds valid, hardened objects', async () => {
    for (const { object } of objects) expect(await schemaErrors(object), object.kind).toEqual([])
    expect(strictDecodingErrors(manifests)).toEqual([])
    for (const { owner, spec } of podSpecs(objects)) expect(hardeningProblems(spec), owner).toEqual([])
  })

  it('uses only environment variables that the configuration schema defines', () => {
    const known = new Set(chartKeys().flatMap((k) => (k.secret ? [k.env, `${k.env}_FILE`] : [k.env])))
    const container = find(objects, 'Deployment')?.spec.template.spec.containers.find(
      (c: { name: string }) => c.name === 'fxa-gate',
    )
    const names = [
      ...Object.keys(find(objects, 'ConfigMap')?.data ?? {}),
      ...container.env.map((e: { name: string }) => e.name),
    ]
    expect(names.filter((name) => !known.has(name))).toEqual([])
    expect(names).toContain(envName('upstream'))
  })

  it('gives fxa-gate a configuration its loader accepts, proxying to the application on loopback', () => {
    const result = loadRenderedConfig(objects, {
      secrets: {
        'whoami-fxa-gate': {
          'client-secret': 'from-kubectl-create-secret',
          'cookie-secrets': 'openssl-rand-base64-32-output-0123456789abcdef',
        },
      },
    })
    expect(result.ok ? [] : result.problems).toEqual([])
    if (result.ok) expect(result.config.upstream).toBe('http://127.0.0.1:8080')
  })

  it('sends the Service to fxa-gate, never straight to the application', () => {
    expect(find(objects, 'Service')?.spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual([
      'gate',
    ])
  })
})
