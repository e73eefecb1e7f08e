import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { EXTERNAL } from './external-objects.ts'
import { schemaErrors, strictDecodingErrors } from './k8s-schemas.ts'
import { hardeningProblems, loadRenderedConfig, podSpecs } from './pods.ts'
import { DEPLOY_MANIFEST, renderDeployManifest } from './render-deploy.ts'
import { ensureChartTools, parseManifests } from './tools.ts'

beforeAll(ensureChartTools)

describe('deploy/kubernetes (plain manifests rendered from the chart)', () => {
  it('equals a fresh render of the chart: run `make deploy-manifests` after changing either', () => {
    expect(readFileSync(DEPLOY_MANIFEST, 'utf8')).toBe(renderDeployManifest())
  })

  it('holds valid, hardened objects and no Secret', async () => {
    const objects = parseManifests(readFileSync(DEPLOY_MANIFEST, 'utf8'))
    for (const { source, object } of objects) expect(await schemaErrors(object), `${source}`).toEqual([])
    for (const { owner, spec } of podSpecs(objects)) expect(hardeningProblems(spec), owner).toEqual([])
    expect(strictDecodingErrors(readFileSync(DEPLOY_MANIFEST, 'utf8'))).toEqual([])
    expect(objects.map((o) => o.object.kind)).not.toContain('Secret')
    expect(objects.map((o) => o.object.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'PodDisruptionBudget']),
    )
  })

  it('configures fxa-gate in a way its loader accepts, once the documented Secret exists', () => {
    const objects = parseManifests(readFileSync(DEPLOY_MANIFEST, 'utf8'))
    const result = loadRenderedConfig(objects, {
      secrets: {
        'fxa-gate-secrets': {
          'client-secret': 'from-kubectl-create-secret',
          'cookie-secrets': 'openssl-rand-base64-32-output-0123456789abcdef',
          'assertion-key': EXTERNAL.secrets?.['fxa-gate-credentials']?.['assertion-key'] ?? '',
        },
      },
    })
    expect(result.ok ? [] : result.problems).toEqual([])
  })
})
