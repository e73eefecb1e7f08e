import type { V1PodSpec } from '@kubernetes/client-node'
import { z } from 'zod'
import { InjectionError } from './annotations.ts'
import { type InjectionResult, planInjection } from './mutate.ts'
import { podSpecProblem } from './pod-shape.ts'
import type { InjectSettings } from './sidecar.ts'

const annotations = z.record(z.string(), z.string()).optional()

/**
 * Deeper than any pod the API server decodes (managedFields included): such a review comes from
 * someone other than the API server, and copying it into a patch would overflow the stack.
 */
const MAX_DEPTH = 100

/** Whether `value` nests objects or arrays deeper than `max` levels (iterative: no recursion). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (typeof item !== 'object' || item === null) continue
    if (depth >= max) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}

const review = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.looseObject({
    uid: z.string().min(1).max(128),
    kind: z.looseObject({ group: z.string(), version: z.string(), kind: z.string() }),
    operation: z.string(),
    namespace: z.string().optional(),
    object: z.unknown(),
  }),
})

export interface AdmissionResponse {
  readonly uid: string
  readonly allowed: boolean
  readonly patchType?: 'JSONPatch'
  /** base64 of the JSON Patch (RFC 6902). */
  readonly patch?: string
  readonly status?: { readonly code: number; readonly message: string }
}

export type AdmissionOutcome =
  | { readonly ok: false; readonly problem: string }
  | {
      readonly ok: true
      readonly result: InjectionResult | 'denied' | 'not_a_pod'
      readonly review: {
        readonly apiVersion: 'admission.k8s.io/v1'
        readonly kind: 'AdmissionReview'
        readonly response: AdmissionResponse
      }
      /** Why a pod was denied, for the log line. */
      readonly reason?: string
      readonly pod?: string
    }

/**
 * Answers one AdmissionReview v1: a JSONPatch adding the sidecar to an annotated pod, no patch for
 * the rest, and a denial (the pod is not created) when the annotations ask for something impossible:
 * a pod that asked for fxa-gate must never start without it. `ok: false` is a malformed review.
 */
export function admit(body: unknown, settings: InjectSettings): AdmissionOutcome {
  const parsed = review.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return {
      ok: false,
      problem: `not an AdmissionReview v1: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    }
  }
  const { request } = parsed.data
  const answer = (response: Omit<AdmissionResponse, 'uid'>) => ({
    apiVersion: 'admission.k8s.io/v1' as const,
    kind: 'AdmissionReview' as const,
    response: { uid: request.uid, ...response },
  })
  const isPod = request.kind.group === '' && request.kind.kind === 'Pod' && request.operation === 'CREATE'
  if (!isPod) return { ok: true, result: 'not_a_pod', review: answer({ allowed: true }) }

  const pod = request.object as {
    metadata?: { name?: string; generateName?: string; annotations?: unknown }
    spec?: unknown
  }
  const name = `${request.namespace ?? ''}/${pod?.metadata?.name ?? `${pod?.metadata?.generateName ?? ''}*`}`
  const problem =
    typeof pod !== 'object' || pod === null
      ? 'no object'
      : nestedDeeperThan(pod, MAX_DEPTH)
        ? `nested deeper than ${MAX_DEPTH} levels`
        : (podSpecProblem(pod.spec) ??
          (annotations.safeParse(pod.metadata?.annotations).success
            ? undefined
            : 'metadata.annotations: expected a map of strings'))
  if (problem !== undefined) return { ok: false, problem: `the review's pod is not valid: ${problem}` }
  try {
    const outcome = planInjection(
      pod.spec as V1PodSpec,
      pod.metadata?.annotations as Record<string, string> | undefined,
      settings,
    )
    if (outcome.result !== 'injected')
      return { ok: true, result: outcome.result, pod: name, review: answer({ allowed: true }) }
    const patch = podSpecPatch(pod.spec as V1PodSpec, outcome.spec)
    return {
      ok: true,
      result: 'injected',
      pod: name,
      review: answer({
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
      }),
    }
  } catch (error) {
    if (!(error instanceof InjectionError)) throw error
    return {
      ok: true,
      result: 'denied',
      pod: name,
      reason: error.message,
      review: answer({
        allowed: false,
        status: { code: 400, message: `fxa-gate injector: ${error.message}` },
      }),
    }
  }
}

/**
 * A JSON Patch from one pod spec to the other: each changed top-level list is replaced whole. The
 * patch applies to the very object the review carried, so coarse operations are exact.
 */
export function podSpecPatch(
  before: V1PodSpec,
  after: V1PodSpec,
): { op: 'add'; path: string; value: unknown }[] {
  const fields = ['initContainers', 'containers', 'volumes'] as const
  return fields
    .filter((field) => after[field] !== before[field] && after[field] !== undefined)
    .map((field) => ({ op: 'add', path: `/spec/${field}`, value: after[field] }))
}
