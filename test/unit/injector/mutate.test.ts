import type { V1Container, V1PodSpec } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { InjectionError } from '../../../src/injector/annotations.ts'
import { isInjected, mutatePod, planInjection, renamedPortName } from '../../../src/injector/mutate.ts'
import { hardeningProblems } from '../../chart/pods.ts'
import { ANNOTATED, appPod, deepFreeze, IMAGE, SETTINGS } from './fixtures.ts'

function sidecarOf(spec: V1PodSpec): V1Container {
  const sidecar = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === 'fxa-gate')
  if (!sidecar) throw new Error('no sidecar')
  return sidecar
}

function injectError(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof InjectionError) return error.message
    throw error
  }
  throw new Error('no InjectionError')
}

describe('mutatePod', () => {
  it('leaves a pod without the inject annotation, or with "false", as it is (the same object)', () => {
    const spec = appPod()
    expect(mutatePod(spec, undefined, SETTINGS)).toBe(spec)
    expect(mutatePod(spec, { 'fxa-gate.io/upstream-port': '8080' }, SETTINGS)).toBe(spec)
    expect(mutatePod(spec, { ...ANNOTATED, 'fxa-gate.io/inject': 'false' }, SETTINGS)).toBe(spec)
    expect(planInjection(spec, undefined, SETTINGS).result).toBe('skipped')
  })

  it('adds a native sidecar: the last initContainer, restartPolicy Always', () => {
    const spec = mutatePod(appPod(), ANNOTATED, SETTINGS)
    expect(spec.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([['fxa-gate', 'Always']])
    expect(spec.containers.map((c) => c.name)).toEqual(['web'])
  })

  it('adds a regular container when native sidecars are off (clusters before 1.29)', () => {
    const spec = mutatePod(appPod(), ANNOTATED, { ...SETTINGS, nativeSidecar: false })
    expect(spec.initContainers).toBeUndefined()
    expect(spec.containers.map((c) => c.name)).toEqual(['web', 'fxa-gate'])
    expect(sidecarOf(spec).restartPolicy).toBeUndefined()
  })

  it('keeps existing init containers first, so jobs like migrations run before the gate starts', () => {
    const pod = { ...appPod(), initContainers: [{ name: 'migrate', image: 'migrate:1' }] }
    const spec = mutatePod(pod, ANNOTATED, SETTINGS)
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['migrate', 'fxa-gate'])
  })

  it('hardens the sidecar like the chart pods: non-root, read-only root, no capabilities, seccomp, resources', () => {
    for (const nativeSidecar of [true, false]) {
      const spec = mutatePod(appPod(), ANNOTATED, { ...SETTINGS, nativeSidecar })
      expect(hardeningProblems(spec)).toEqual([])
    }
    // Even in a pod whose own security context would allow root.
    const loose = { ...appPod(), securityContext: {} }
    const sidecar = sidecarOf(mutatePod(loose, ANNOTATED, SETTINGS))
    expect(hardeningProblems({ automountServiceAccountToken: false, containers: [sidecar] })).toEqual([])
  })

  it('proxies to the application on loopback, listens on the annotated ports, probes the admin port', () => {
    const sidecar = sidecarOf(
      mutatePod(
        appPod(),
        { ...ANNOTATED, 'fxa-gate.io/port': '8000', 'fxa-gate.io/admin-port': '9300' },
        SETTINGS,
      ),
    )
    expect(sidecar.env).toEqual([
      { name: 'FXA_GATE_UPSTREAM', value: 'http://127.0.0.1:8080' },
      { name: 'FXA_GATE_LISTEN', value: '0.0.0.0:8000' },
      { name: 'FXA_GATE_ADMIN_LISTEN', value: '0.0.0.0:9300' },
    ])
    expect(sidecar.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['http', 8000],
      ['fxa-gate-admin', 9300],
    ])
    expect(sidecar.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'fxa-gate-admin' })
    expect(sidecar.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'fxa-gate-admin' })
    expect(sidecar.image).toBe(IMAGE)
    expect(sidecar.args).toEqual(['serve'])
  })

  it('defaults the sidecar to port 4180 and admin port 9180', () => {
    const sidecar = sidecarOf(mutatePod(appPod(), ANNOTATED, SETTINGS))
    expect(sidecar.ports?.map((p) => p.containerPort)).toEqual([4180, 9180])
  })

  it('takes over the name of the application port, renaming it and the probes and hooks that used it', () => {
    const spec = mutatePod(appPod(), ANNOTATED, SETTINGS)
    const [web] = spec.containers
    expect(web?.ports?.map((p) => [p.name, p.containerPort])).toEqual([
      ['http-app', 8080],
      ['metrics', 9090],
    ])
    expect(web?.readinessProbe?.httpGet?.port).toBe('http-app')
    expect(web?.livenessProbe?.tcpSocket?.port).toBe('http-app')
    expect(web?.lifecycle?.preStop?.httpGet?.port).toBe('http-app')
    expect(web?.startupProbe?.httpGet?.port).toBe(8080)
    expect(sidecarOf(spec).ports?.[0]?.name).toBe('http')
  })

  it('accepts the upstream port by name', () => {
    const spec = mutatePod(appPod(), { ...ANNOTATED, 'fxa-gate.io/upstream-port': 'metrics' }, SETTINGS)
    expect(sidecarOf(spec).env?.[0]?.value).toBe('http://127.0.0.1:9090')
    expect(spec.containers[0]?.ports?.map((p) => p.name)).toEqual(['http', 'metrics-app'])
    expect(sidecarOf(spec).ports?.[0]?.name).toBe('metrics')
  })

  it('names its port fxa-gate when the application port has no name, or is not declared', () => {
    const pod = appPod()
    pod.containers[0]!.ports = [{ containerPort: 8080 }]
    expect(sidecarOf(mutatePod(pod, ANNOTATED, SETTINGS)).ports?.[0]?.name).toBe('fxa-gate')
    pod.containers[0]!.ports = undefined
    expect(sidecarOf(mutatePod(pod, ANNOTATED, SETTINGS)).ports?.[0]?.name).toBe('fxa-gate')
  })

  it('renames long port names within the 15-character limit', () => {
    expect(renamedPortName('http')).toBe('http-app')
    expect(renamedPortName('metrics-portxyz')).toBe('metrics-por-app')
    expect(renamedPortName('abcdefghij-kl')).toBe('abcdefghij-app')
    expect(renamedPortName('abcdefghijklmno').length).toBeLessThanOrEqual(15)
  })

  it('mounts the configuration named by fxa-gate.io/config with envFrom', () => {
    const envFrom = (value: string) =>
      sidecarOf(mutatePod(appPod(), { ...ANNOTATED, 'fxa-gate.io/config': value }, SETTINGS)).envFrom
    expect(envFrom('shop-gate')).toEqual([
      { configMapRef: { name: 'shop-gate', optional: true } },
      { secretRef: { name: 'shop-gate', optional: true } },
    ])
    expect(envFrom('secret/shop-gate')).toEqual([{ secretRef: { name: 'shop-gate' } }])
    expect(envFrom('configmap/shop-gate')).toEqual([{ configMapRef: { name: 'shop-gate' } }])
    expect(sidecarOf(mutatePod(appPod(), ANNOTATED, SETTINGS)).envFrom).toBeUndefined()
  })

  it('keeps the ServiceAccount token out of the sidecar and gives it a scratch /tmp', () => {
    const spec = mutatePod(appPod(), ANNOTATED, SETTINGS)
    expect(sidecarOf(spec).volumeMounts?.map((m) => m.mountPath)).toEqual([
      '/tmp',
      '/var/run/secrets/kubernetes.io/serviceaccount',
    ])
    expect(spec.volumes?.map((v) => v.name)).toEqual(['fxa-gate-tmp', 'fxa-gate-no-sa-token'])
  })

  it('uses fxa-gate.io/image over the configured image, and needs one of them', () => {
    const image = 'registry.example.com/fxa-gate:0.2.0'
    expect(sidecarOf(mutatePod(appPod(), { ...ANNOTATED, 'fxa-gate.io/image': image }, SETTINGS)).image).toBe(
      image,
    )
    expect(injectError(() => mutatePod(appPod(), ANNOTATED, { ...SETTINGS, image: undefined }))).toMatch(
      /no sidecar image/,
    )
  })

  it('is idempotent: injecting twice equals injecting once, and an injected pod is left alone', () => {
    for (const nativeSidecar of [true, false]) {
      const settings = { ...SETTINGS, nativeSidecar }
      const once = mutatePod(appPod(), ANNOTATED, settings)
      expect(mutatePod(once, ANNOTATED, settings)).toBe(once)
      expect(planInjection(once, ANNOTATED, settings).result).toBe('already_injected')
      // Also across modes: a pod injected as a container is not injected again as a native sidecar.
      expect(mutatePod(once, ANNOTATED, { ...settings, nativeSidecar: !nativeSidecar })).toBe(once)
      expect(isInjected(once)).toBe(true)
    }
  })

  it('never modifies its input', () => {
    const pod = deepFreeze(appPod())
    const copy = structuredClone(pod)
    mutatePod(pod, ANNOTATED, SETTINGS)
    expect(pod).toEqual(copy)
  })

  it.each([
    [{ 'fxa-gate.io/inject': 'yes' }, /expected "true" or "false"/],
    [{ 'fxa-gate.io/inject': 'true' }, /upstream-port is required/],
    [{ ...ANNOTATED, 'fxa-gate.io/upstream-port': '0' }, /port number from 1 to 65535/],
    [{ ...ANNOTATED, 'fxa-gate.io/upstream-port': '70000' }, /port number from 1 to 65535/],
    [{ ...ANNOTATED, 'fxa-gate.io/upstream-port': 'Not_A_Name' }, /port number or the name/],
    [
      { ...ANNOTATED, 'fxa-gate.io/upstream-port': 'grpc' },
      /no container of the pod has a port named "grpc"/,
    ],
    [{ ...ANNOTATED, 'fxa-gate.io/port': '8080' }, /must differ/],
    [{ ...ANNOTATED, 'fxa-gate.io/port': '9090' }, /container web already uses port 9090/],
    [{ ...ANNOTATED, 'fxa-gate.io/admin-port': '4180' }, /admin port 4180 collides/],
    [{ ...ANNOTATED, 'fxa-gate.io/admin-port': '9090' }, /already uses port 9090/],
    [{ ...ANNOTATED, 'fxa-gate.io/port': 'http' }, /port number/],
    [{ ...ANNOTATED, 'fxa-gate.io/image': 'ghcr.io/fxa-gate/fxa-gate' }, /pinned/],
    [{ ...ANNOTATED, 'fxa-gate.io/image': 'ghcr.io/fxa-gate/fxa-gate:latest' }, /pinned/],
    [{ ...ANNOTATED, 'fxa-gate.io/config': 'Bad Name' }, /name of a Secret or ConfigMap/],
    [{ ...ANNOTATED, 'fxa-gate.io/config': 'vault/x' }, /name of a Secret or ConfigMap/],
  ])('refuses annotations it cannot honour: %o', (annotations, message) => {
    expect(injectError(() => mutatePod(appPod(), annotations, SETTINGS))).toMatch(message)
  })

  it('refuses pods on the host network and pods whose names it would clash with', () => {
    expect(injectError(() => mutatePod({ ...appPod(), hostNetwork: true }, ANNOTATED, SETTINGS))).toMatch(
      /host network/,
    )
    const taken = appPod()
    taken.containers[0]!.ports!.push({ name: 'http-app', containerPort: 8081 })
    expect(injectError(() => mutatePod(taken, ANNOTATED, SETTINGS))).toMatch(
      /already has a port named "http-app"/,
    )
    const volume = { ...appPod(), volumes: [{ name: 'fxa-gate-tmp', emptyDir: {} }] }
    expect(injectError(() => mutatePod(volume, ANNOTATED, SETTINGS))).toMatch(/volume named "fxa-gate-tmp"/)
  })

  it('ignores UDP ports when looking for clashes (a DNS app on 4180/UDP can still get the gate on 4180/TCP)', () => {
    const pod = appPod()
    pod.containers[0]!.ports!.push({ name: 'dns', containerPort: 4180, protocol: 'UDP' })
    expect(isInjected(mutatePod(pod, ANNOTATED, SETTINGS))).toBe(true)
  })
})
