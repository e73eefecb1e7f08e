import type { V1PodSpec } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { admit } from '../../../src/injector/admission.ts'
import { mutatePod } from '../../../src/injector/mutate.ts'
import { ANNOTATED, appPod, REVIEW_UID, review, SETTINGS } from './fixtures.ts'

function pod(annotations: Record<string, string> | undefined, spec: V1PodSpec = appPod()) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', annotations }, spec }
}

/** Applies the webhook's JSON Patch (only `add` on a member, the one operation it sends). */
function applyPatch(object: unknown, base64: string): unknown {
  const copy = structuredClone(object) as Record<string, Record<string, unknown>>
  for (const op of JSON.parse(Buffer.from(base64, 'base64').toString()) as {
    op: string
    path: string
    value: unknown
  }[]) {
    expect(op.op).toBe('add')
    const [, first, second] = op.path.split('/')
    expect(first).toBe('spec')
    copy['spec']![second!] = op.value
  }
  return copy
}

describe('admit (AdmissionReview v1)', () => {
  it('answers an annotated pod with a JSON Patch that yields exactly mutatePod', () => {
    const object = pod({ ...ANNOTATED })
    const outcome = admit(review(object), SETTINGS)
    if (!outcome.ok) throw new Error(outcome.problem)
    expect(outcome.result).toBe('injected')
    const { response } = outcome.review
    expect(response).toMatchObject({
      uid: REVIEW_UID,
      allowed: true,
      patchType: 'JSONPatch',
    })
    expect(applyPatch(object, response.patch!)).toEqual({
      ...object,
      spec: mutatePod(object.spec, ANNOTATED, SETTINGS),
    })
    expect(outcome.review).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })
  })

  it('allows pods without the annotation and pods already injected, with no patch', () => {
    for (const object of [pod(undefined), pod({ ...ANNOTATED }, mutatePod(appPod(), ANNOTATED, SETTINGS))]) {
      const outcome = admit(review(object), SETTINGS)
      if (!outcome.ok) throw new Error(outcome.problem)
      expect(outcome.review.response).toEqual({ uid: REVIEW_UID, allowed: true })
    }
  })

  it('allows anything that is not the creation of a pod untouched', () => {
    for (const overrides of [
      { operation: 'UPDATE' },
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
      { kind: { group: 'example.com', version: 'v1', kind: 'Pod' } },
    ]) {
      const outcome = admit(review(pod({ ...ANNOTATED }), overrides), SETTINGS)
      expect(outcome).toMatchObject({
        ok: true,
        result: 'not_a_pod',
        review: { response: { allowed: true } },
      })
    }
  })

  it('refuses a pod whose annotations cannot be honoured, saying why (it must not start unprotected)', () => {
    const outcome = admit(review(pod({ 'fxa-gate.io/inject': 'true' })), SETTINGS)
    expect(outcome).toMatchObject({
      ok: true,
      result: 'denied',
      review: { response: { allowed: false, status: { code: 400 } } },
    })
    if (outcome.ok) expect(outcome.review.response.status?.message).toMatch(/upstream-port is required/)
  })

  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['an array', []],
    ['v1beta1', { ...review(pod(undefined)), apiVersion: 'admission.k8s.io/v1beta1' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['no uid', review(pod(undefined), { uid: undefined })],
    ['an empty uid', review(pod(undefined), { uid: '' })],
    ['a pod without spec', review({ metadata: {} })],
    ['containers that are not a list', review(pod(undefined, { containers: 'web' } as never))],
    [
      'ports that are not numbers',
      review(pod(undefined, { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } as never)),
    ],
  ])('reports %s as a malformed review', (_name, body) => {
    expect(admit(body, SETTINGS)).toMatchObject({ ok: false })
  })
})
