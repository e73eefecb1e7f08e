import type { V1PodSpec } from '@kubernetes/client-node'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InjectionError, isPortName } from '../../../src/injector/annotations.ts'
import { mutatePod, planInjection } from '../../../src/injector/mutate.ts'
import { fuzzRuns, fuzzSeed } from '../../support/fuzz.ts'
import { deepFreeze, SETTINGS } from './fixtures.ts'

const portName = fc.constantFrom(
  'http',
  'web',
  'metrics',
  'grpc',
  'http-app',
  'fxa-gate',
  'a-very-long-nam',
  'x1',
)
const portNumber = fc.constantFrom(80, 4180, 8080, 9090, 9180, 3000, 5000)
const container = fc.record({
  name: fc.constantFrom('app', 'web', 'worker', 'fxa-gate', 'log'),
  image: fc.constant('app:1'),
  ports: fc.option(
    fc.array(
      fc.record(
        { name: portName, containerPort: portNumber, protocol: fc.constantFrom('TCP', 'UDP') },
        { requiredKeys: ['containerPort'] },
      ),
      { maxLength: 4 },
    ),
    { nil: undefined },
  ),
})
const pod: fc.Arbitrary<V1PodSpec> = fc.record(
  {
    containers: fc.array(container, { minLength: 1, maxLength: 3 }),
    initContainers: fc.array(container, { maxLength: 2 }),
    hostNetwork: fc.boolean(),
    volumes: fc.array(fc.record({ name: fc.constantFrom('data', 'fxa-gate-tmp', 'cache') }), {
      maxLength: 2,
    }),
  },
  { requiredKeys: ['containers'] },
)
const annotations = fc.record(
  {
    'fxa-gate.io/inject': fc.constantFrom('true', 'false', 'TRUE', 'yes', ''),
    'fxa-gate.io/upstream-port': fc.oneof(portNumber.map(String), portName, fc.string({ maxLength: 6 })),
    'fxa-gate.io/port': fc.oneof(portNumber.map(String), fc.string({ maxLength: 6 })),
    'fxa-gate.io/admin-port': portNumber.map(String),
    'fxa-gate.io/config': fc.constantFrom('gate', 'secret/gate', 'configmap/gate', 'Bad/Name'),
  },
  { requiredKeys: ['fxa-gate.io/inject'] },
)

describe('mutatePod on arbitrary pods and annotations', () => {
  it('either refuses with an InjectionError or injects once, validly, without touching its input', () => {
    fc.assert(
      fc.property(pod, annotations, fc.boolean(), (spec, notes, nativeSidecar) => {
        const settings = { ...SETTINGS, nativeSidecar }
        const input = deepFreeze(structuredClone(spec))
        let outcome: ReturnType<typeof planInjection>
        try {
          outcome = planInjection(input, notes, settings)
        } catch (error) {
          expect(error).toBeInstanceOf(InjectionError)
          return
        }
        expect(input).toEqual(spec)
        if (outcome.result !== 'injected') {
          expect(outcome.spec).toBe(input)
          return
        }
        const all = [...(outcome.spec.initContainers ?? []), ...outcome.spec.containers]
        expect(all.filter((c) => c.name === 'fxa-gate')).toHaveLength(1)
        // Port names stay unique and valid; the sidecar's ports collide with no other TCP port.
        const names = all.flatMap((c) => (c.ports ?? []).map((p) => p.name)).filter((n) => n !== undefined)
        const before = [...(input.initContainers ?? []), ...input.containers].flatMap((c) =>
          (c.ports ?? []).map((p) => p.name),
        )
        if (new Set(before).size === before.length) expect(new Set(names).size).toBe(names.length)
        for (const name of names) expect(isPortName(name), name).toBe(true)
        expect(mutatePod(outcome.spec, notes, settings)).toBe(outcome.spec)
      }),
      { numRuns: fuzzRuns(), seed: fuzzSeed() },
    )
  })
})
