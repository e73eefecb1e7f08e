import { Counter, Gauge } from 'prom-client'
import { createRegistry } from '../observability/registry.ts'

/** The webhook's metrics, on a registry of its own (the webhook is a process of its own). */
export function createWebhookMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = createRegistry(options)
  const registers = [registry]
  return {
    registry,
    injections: new Counter({
      name: 'fxa_gate_injections_total',
      help: 'Pods reviewed by the injector webhook, by result (injected, skipped, already_injected, denied)',
      labelNames: ['result'] as const,
      registers,
    }),
    badRequests: new Counter({
      name: 'fxa_gate_webhook_bad_requests_total',
      help: 'Requests to the webhook refused as malformed (not an AdmissionReview v1, bad JSON, too large)',
      registers,
    }),
    certificateExpiry: new Gauge({
      name: 'fxa_gate_webhook_certificate_expiry_timestamp_seconds',
      help: 'When the serving certificate in use expires (Unix time)',
      registers,
    }),
  }
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>
