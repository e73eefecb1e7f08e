import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildGate, type Gate } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'

const GOLDEN = join(import.meta.dirname, 'metrics.golden.txt')

/** `name type {labels}` for every family the exposition has, labels from its series (`le` aside). */
function familiesOf(text: string): string[] {
  const types = new Map<string, string>()
  const labels = new Map<string, Set<string>>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      labels.set(type[1]!, new Set())
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*?)(_bucket|_sum|_count)?(?:\{(.*)\})? \S+$/.exec(line)
    if (!sample) continue
    const family = types.has(sample[1]! + (sample[2] ?? '')) ? sample[1]! + (sample[2] ?? '') : sample[1]!
    for (const [, name] of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g))
      if (name !== 'le') labels.get(family)?.add(name!)
  }
  // Node's GC histogram has its `kind` series only once a collection was seen: its labels are not
  // part of the contract.
  labels.set('nodejs_gc_duration_seconds', new Set(['kind']))
  return [...types]
    .map(([name, type]) => `${name} ${type} {${[...labels.get(name)!].sort().join(',')}}`)
    .sort()
}

describe('the /metrics contract', () => {
  let gate: Gate
  let text: string

  beforeAll(async () => {
    const result = loadConfig({
      env: {
        FXA_GATE_CLIENT_ID: 'c',
        FXA_GATE_PUBLIC_URL: 'https://gate.example.test',
        FXA_GATE_COOKIE_SECRETS: 's'.repeat(40),
        FXA_GATE_UPSTREAM: 'http://127.0.0.1:9',
        FXA_GATE_SERVICES: JSON.stringify([
          { name: 'svc', audience: 'svc', nodes: [{ url: 'https://n1.example.test', capacity: 5 }] },
        ]),
      },
      readFile: () => '',
    })
    if (!result.ok) throw new Error(JSON.stringify(result.problems))
    gate = buildGate(result.config, {
      store: createMemorySessionStore(),
      logger: createLogger({ level: 'silent' }),
      version: '1.2.3',
      // No network: FxA answers 503 to everything.
      fetch: async () => new Response('{}', { status: 503 }),
    })
    await gate.app.ready()
    // A service's nodes have their series once read.
    await gate.ctx.placement.start()
    // Give the histograms a series each: a decision, an FxA call, a revocation.
    await gate.app.inject({ url: '/_gate/auth/nginx', headers: { 'x-original-url': 'https://a.test/x' } })
    await gate.app.inject({ url: '/_gate/start' })
    await gate.ctx.revocation.revoke('someone', { reason: 'operator' })
    gate.dependencies.latency('upstream', 'request').observe(0.01)
    gate.dependencies.latency('redis', 'get').observe(0.001)
    // Responses are counted when they close, a tick after inject resolves.
    await new Promise((resolve) => setImmediate(resolve))
    text = await gate.ctx.metrics.registry.metrics()
  })
  afterAll(async () => {
    await gate?.close()
  })

  it('exports exactly the golden list of metric names, types and labels (update metrics.golden.txt deliberately)', () => {
    const families = familiesOf(text)
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, `${families.join('\n')}\n`)
    expect(families).toEqual(readFileSync(GOLDEN, 'utf8').trim().split('\n'))
  })

  it('gives every fxa_gate_ metric a help text, and prefixes nothing else', () => {
    for (const [, name, help] of text.matchAll(/^# HELP (\S+) (.*)$/gm)) {
      expect(help!.length, name).toBeGreaterThan(10)
      if (!name!.startsWith('fxa_gate_')) expect(name).toMatch(/^(process|nodejs)_/)
    }
  })

  it('has every counter series from the start, at 0 until it counts', () => {
    expect(text).toContain('fxa_gate_decisions_total{endpoint="traefik",result="forbidden"} 0')
    expect(text).toContain('fxa_gate_http_requests_total{endpoint="envoy",code="503"} 0')
    expect(text).toContain('fxa_gate_user_revocations_total{reason="password_change"} 0')
    expect(text).toContain('fxa_gate_cache_hits_total{cache="bearer"} 0')
    expect(text).toContain('fxa_gate_event_tokens_total{outcome="rejected_signature"} 0')
    expect(text).toContain('fxa_gate_logouts_total 0')
    expect(text).toContain('fxa_gate_http_requests_total{endpoint="nginx",code="401"} 1')
    expect(text).toContain('fxa_gate_build_info{version="1.2.3",node="')
    expect(text).toContain('fxa_gate_dependency_up{dependency="fxa"} 0')
    expect(text).not.toContain('fxa_gate_dependency_up{dependency="redis"}')
  })
})
