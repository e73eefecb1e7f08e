import type { V1PodSpec } from '@kubernetes/client-node'
import type { InjectSettings } from '../../../src/injector/sidecar.ts'

export const IMAGE = 'ghcr.io/fxa-gate/fxa-gate:0.1.0'

export const SETTINGS: InjectSettings = Object.freeze({
  image: IMAGE,
  imagePullPolicy: 'IfNotPresent',
  nativeSidecar: true,
  adminPort: 9180,
  cpuRequest: '50m',
  cpuLimit: undefined,
  memoryRequest: '96Mi',
  memoryLimit: '256Mi',
})

export const ANNOTATED = Object.freeze({
  'fxa-gate.io/inject': 'true',
  'fxa-gate.io/upstream-port': '8080',
})

/** An application pod hardened like the chart's own, listening on a port named `http`. */
export function appPod(): V1PodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'web',
        image: 'docker.io/traefik/whoami:v1.10.3',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9090 },
        ],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
        livenessProbe: { tcpSocket: { port: 'http' } },
        startupProbe: { httpGet: { path: '/', port: 8080 } },
        lifecycle: { preStop: { httpGet: { path: '/drain', port: 'http' } } },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
      },
    ],
  }
}

/** Freezes an object and everything in it, so a test fails if the code under test writes to it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

export const REVIEW_UID = '705ab4f5-6393-11e8-b7cc-42010a800002'

/** An AdmissionReview v1 of a pod CREATE, as the API server sends it; `overrides` replace request fields. */
export function review(object: unknown, overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: REVIEW_UID,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: 'CREATE',
      namespace: 'shop',
      object,
      ...overrides,
    },
  }
}
