import { describe, expect, it } from 'vitest'
import { createWebhookMetrics } from '../../../src/injector/metrics.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

async function processMetricNames(registry: { getMetricsAsJSON(): Promise<{ name: string }[]> }) {
  return (await registry.getMetricsAsJSON())
    .map((metric) => metric.name)
    .filter((name) => !/^fxa_gate_(?!process_)/.test(name))
    .sort()
}

describe('the metrics registries', () => {
  it("give the gate and the injector's webhook the same process metrics", async () => {
    const gate = await processMetricNames(createMetrics().registry)
    expect(gate.length).toBeGreaterThan(5)
    expect(gate).toContain('fxa_gate_process_process_resident_memory_bytes')
    expect(await processMetricNames(createWebhookMetrics().registry)).toEqual(gate)
  })

  it('leave the process metrics out when asked (tests that build many apps)', async () => {
    expect(await processMetricNames(createMetrics({ defaultMetrics: false }).registry)).toEqual([])
    expect(await processMetricNames(createWebhookMetrics({ defaultMetrics: false }).registry)).toEqual([])
  })
})
