import type { IncomingMessage } from 'node:http'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { GateError } from '../../../src/errors.ts'
import { compileAccessLog } from '../../../src/observability/access-log.ts'
import { createActiveSessions } from '../../../src/observability/active-sessions.ts'
import { createDependencies } from '../../../src/observability/dependencies.ts'
import { errorFields } from '../../../src/observability/error-fields.ts'
import { operationOf } from '../../../src/observability/instrument-fetch.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { requestIdOf, traceIdOf } from '../../../src/observability/request-context.ts'
import { FastCounter, FastHistogram } from '../../../src/observability/series.ts'
import { startTracing, TRACING_OFF } from '../../../src/observability/tracing.ts'

const raw = (headers: Record<string, string | string[]>) => ({ headers }) as unknown as IncomingMessage

describe('request ids', () => {
  it('keeps a well-formed X-Request-Id of up to 128 printable characters', () => {
    expect(requestIdOf(raw({ 'x-request-id': 'abc-123' }))).toBe('abc-123')
    expect(requestIdOf(raw({ 'x-request-id': 'a b:c/d' }))).toBe('a b:c/d')
    expect(requestIdOf(raw({ 'x-request-id': 'x'.repeat(128) }))).toBe('x'.repeat(128))
  })

  it('replaces a missing, empty, overlong, non-ASCII or control-character id with a new UUID', () => {
    for (const given of [undefined, '', 'x'.repeat(129), 'caf\u00e9', 'a\u0000b', 'a\tb', 'a\u007fb']) {
      const id = requestIdOf(raw(given === undefined ? {} : { 'x-request-id': given }))
      expect(id, JSON.stringify(given)).toMatch(/^[0-9a-f-]{36}$/)
    }
    expect(requestIdOf(raw({}))).not.toBe(requestIdOf(raw({})))
  })

  it('reads the trace id of a valid traceparent only', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736'
    expect(traceIdOf(raw({ traceparent: `00-${id}-00f067aa0ba902b7-01` }))).toBe(id)
    expect(traceIdOf(raw({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }))).toBeUndefined()
    expect(traceIdOf(raw({ traceparent: `00-${id.toUpperCase()}-00f067aa0ba902b7-01` }))).toBeUndefined()
    expect(traceIdOf(raw({ traceparent: 'garbage' }))).toBeUndefined()
    expect(traceIdOf(raw({}))).toBeUndefined()
  })
})

describe('access log modes', () => {
  const decide = (mode: string, runs: [number, boolean, boolean][]) => {
    const policy = compileAccessLog(mode)
    return runs.map(([status, refused, denied]) => policy.wants(status, refused, denied))
  }
  const allowed: [number, boolean, boolean] = [200, false, false]

  it('off logs refusals only; denied adds denials and error statuses; all logs everything', () => {
    const runs: [number, boolean, boolean][] = [
      allowed,
      [401, false, true],
      [302, false, true],
      [404, false, false],
      [403, true, true],
      [502, true, false],
    ]
    expect(decide('off', runs)).toEqual([false, false, false, false, true, true])
    expect(decide('denied', runs)).toEqual([false, true, true, true, true, true])
    expect(decide('all', runs)).toEqual([true, true, true, true, true, true])
  })

  it('leaves an unavailable dependency (logged by the failure limiter) to all and the sampling', () => {
    const expected = (mode: string) => compileAccessLog(mode).wants(503, true, false, true)
    expect(expected('off')).toBe(false)
    expect(expected('denied')).toBe(false)
    expect(expected('all')).toBe(true)
    const sampled = compileAccessLog('sampled:4')
    const logged = Array.from({ length: 40 }, () => sampled.wants(503, true, false, true)).filter(Boolean)
    expect(logged).toHaveLength(10)
  })

  it('sampled:N logs what denied does and one allowed request in N', () => {
    const logged = decide(
      'sampled:4',
      Array.from({ length: 40 }, () => allowed),
    ).filter(Boolean)
    expect(logged).toHaveLength(10)
    expect(decide('sampled:4', [[401, false, true]])).toEqual([true])
  })
})

describe('error fields', () => {
  it("names fxa-gate's code and, below it, the foreign cause's class and code", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const fetchFailed = new TypeError('fetch failed', { cause: refused })
    const error = new GateError('PROVIDER_UNAVAILABLE', {
      cause: fetchFailed,
      detail: 'discovery: TypeError',
    })
    expect(errorFields(error)).toEqual({
      code: 'PROVIDER_UNAVAILABLE',
      detail: 'discovery: TypeError',
      causeClass: 'TypeError',
      causeCode: 'ECONNREFUSED',
      cause: 'fetch failed: connect ECONNREFUSED 127.0.0.1:1',
    })
  })

  it('follows AggregateError (happy eyeballs) and nested GateErrors, and bounds what it reads', () => {
    const inner = Object.assign(new Error('a'), { code: 'ETIMEDOUT' })
    const aggregate = new AggregateError([inner], 'all failed')
    const error = new GateError('STORE_UNAVAILABLE', {
      cause: new GateError('INTERNAL', { cause: aggregate }),
    })
    expect(errorFields(error)).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      causeClass: 'AggregateError',
      causeCode: 'ETIMEDOUT',
    })
    let deep: Error = new Error('bottom')
    for (let i = 0; i < 100; i++) deep = new Error(`level ${i}`, { cause: deep })
    expect(errorFields(deep).cause!.length).toBeLessThanOrEqual(300)
    expect(errorFields('plain')).toEqual({ cause: 'plain' })
    expect(errorFields(undefined)).toEqual({})
  })
})

describe('fast series', () => {
  it('counts through resolved cells and renders like prom-client', async () => {
    const registry = new Registry()
    const counter = new FastCounter('t_total', 'help text', ['a', 'b'], registry)
    const cell = counter.labels('x', 'y')
    cell.inc()
    cell.inc(2)
    counter.inc({ a: 'x', b: 'y' })
    counter.inc({ b: 'w', a: 'z' }, 5)
    cell.inc(-1)
    const histogram = new FastHistogram('t_seconds', 'help text', ['a'], [0.1, 1], registry)
    histogram.labels('x').observe(0.05)
    histogram.observe({ a: 'x' }, 0.5)
    histogram.labels('x').observe(5)
    histogram.labels('x').observe(Number.NaN)
    const text = await registry.metrics()
    expect(text).toContain('t_total{a="x",b="y"} 4')
    expect(text).toContain('t_total{a="z",b="w"} 5')
    expect(text).toContain('t_seconds_bucket{a="x",le="0.1"} 1')
    expect(text).toContain('t_seconds_bucket{a="x",le="1"} 2')
    expect(text).toContain('t_seconds_bucket{a="x",le="+Inf"} 3')
    expect(text).toContain('t_seconds_sum{a="x"} 5.55')
    expect(text).toContain('t_seconds_count{a="x"} 3')
    expect(() => counter.labels('only-one')).toThrow(TypeError)
    expect(() => counter.inc({ a: 'x' })).toThrow(TypeError)
  })
})

describe('dependencies', () => {
  it('learn up and down from calls, and from a probe when calls are silent', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let answer = true
    let now = 0
    const dependencies = createDependencies({
      metrics,
      tracing: TRACING_OFF,
      clock: () => now,
      probes: {
        redis: {
          probe: async () => {
            if (!answer) throw new Error('down')
          },
          everyMs: 2000,
        },
      },
    })
    const up = async () => await metrics.registry.getSingleMetricAsString('fxa_gate_dependency_up')
    expect(await up()).toContain('fxa_gate_dependency_up{dependency="redis"} 0')
    await dependencies.call(
      'redis',
      'get',
      async () => 'ok',
      () => true,
    )
    expect(await up()).toContain('{dependency="redis"} 1')
    await expect(
      dependencies.call(
        'redis',
        'get',
        async () => {
          throw new GateError('STORE_UNAVAILABLE')
        },
        () => true,
      ),
    ).rejects.toThrow()
    expect(await up()).toContain('{dependency="redis"} 0')
    // A failure that is not an outage (a bad argument) says Redis answered.
    await expect(
      dependencies.call(
        'redis',
        'get',
        async () => {
          throw new Error('bad')
        },
        () => false,
      ),
    ).rejects.toThrow()
    expect(await up()).toContain('{dependency="redis"} 1')
    answer = false
    now = 10_000
    const stop = dependencies.start()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await up()).toContain('{dependency="redis"} 0')
    expect(dependencies.status().redis).toEqual({ up: false, since: 10_000 })
    stop()
    // Unconfigured dependencies have no series (a gauge for one would lie).
    expect(await up()).not.toContain('upstream')
    const durations = await metrics.registry.getSingleMetricAsString(
      'fxa_gate_dependency_request_duration_seconds',
    )
    expect(durations).toContain(
      'fxa_gate_dependency_request_duration_seconds_count{dependency="redis",operation="get"} 3',
    )
  })

  it('name FxA operations from a closed set, whatever the URL', () => {
    expect(operationOf('https://oauth.accounts.firefox.com/v1/introspect')).toBe('introspect')
    expect(operationOf('https://accounts.firefox.com/.well-known/openid-configuration')).toBe('discovery')
    expect(operationOf('https://profile.accounts.firefox.com/v1/profile?x=1')).toBe('profile')
    expect(operationOf('https://oauth.accounts.firefox.com/v1/token/')).toBe('token')
    expect(operationOf('https://evil.test/any/thing/you/like')).toBe('other')
  })
})

describe('active sessions (in memory)', () => {
  it('counts distinct sessions seen in the last 15 one-minute windows', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let now = 0
    const active = createActiveSessions({ metrics, clock: () => now })
    for (const key of ['a', 'b', 'a', 'c']) active.seen(key)
    now = 5 * 60_000
    active.seen('d')
    active.seen('a')
    const read = async () => {
      const stop = active.start()
      stop()
      return (await metrics.registry.getSingleMetricAsString('fxa_gate_sessions_active')).split('\n').at(-1)
    }
    expect(await read()).toBe('fxa_gate_sessions_active 4')
    now = 16 * 60_000
    expect(await read()).toBe('fxa_gate_sessions_active 2')
  })
})

describe('tracing', () => {
  it('is off by default and then loads no OpenTelemetry SDK', async () => {
    const tracing = await startTracing({ enabled: false, version: 'x', logger: {} as never })
    expect(tracing).toBe(TRACING_OFF)
    expect(tracing.enabled).toBe(false)
    let ran = false
    tracing.request(raw({}), () => {
      ran = true
    })
    expect(ran).toBe(true)
    expect(await tracing.call('x', {}, async () => 7)).toBe(7)
  })
})
