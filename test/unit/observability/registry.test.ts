import { describe, expect, it } from 'vitest'
import { createWebhookMetrics } from '../../../src/injector/metrics.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

async function processMetricNames(registry: { getMetricsAsJSON(): Promise<{ name: string }[]> }) {
  return (await registry.getMetricsAsJSON())
    .map((metric) => metric.name)
    .filter((name) => !name.startsWith('fxa_gate_'))
    .sort()
}

describe('the metrics registries', () => {
  it("give the gate and the injector's webhook the same process metrics, under their standard names", async () => {
    const gate = await processMetricNames(createMetrics().registry)
    expect(gate.length).toBeGreaterThan(5)
    expect(gate).toContain('process_resident_memory_bytes')
    expect(gate).toContain('nodejs_eventloop_lag_seconds')
    expect(await processMetricNames(createWebhookMetrics().registry)).toEqual(gate)
  })

  it('leave the process metrics out when asked (tests that build many apps)', async () => {
    expect(await processMetricNames(createMetrics({ defaultMetrics: false }).registry)).toEqual([])
    expect(await processMetricNames(createWebhookMetrics({ defaultMetrics: false }).registry)).toEqual([])
  })
})
