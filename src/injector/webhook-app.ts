import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from '../observability/logger.ts'
import { admit } from './admission.ts'
import type { WebhookMetrics } from './metrics.ts'
import type { InjectSettings } from './sidecar.ts'
import type { TlsSource } from './tls-material.ts'

/**
 * The largest AdmissionReview accepted. The API server refuses objects over 3 MiB; a review holds
 * the object (and for updates the old one) plus a little envelope.
 */
export const WEBHOOK_BODY_LIMIT = 7 * 1024 * 1024

export interface WebhookDeps {
  readonly settings: InjectSettings
  readonly tls: TlsSource
  readonly metrics: WebhookMetrics
  readonly logger: Logger
  /** Extra readiness condition (the bootstrap's caBundle patch); default: ready. */
  readonly ready?: () => boolean
}

/**
 * The injector webhook over HTTPS: `POST /mutate` (AdmissionReview v1), `/healthz`, `/readyz`,
 * `/metrics`. Every malformed request gets a 4xx and a log line; the server keeps serving.
 */
export function buildWebhookApp(deps: WebhookDeps): FastifyInstance {
  const material = deps.tls.current()
  if (material === undefined) throw new Error('the webhook needs its TLS material before it starts')
  const app = Fastify({
    https: { cert: material.cert, key: material.key, minVersion: 'TLSv1.2' },
    loggerInstance: deps.logger.child({ listener: 'webhook' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: WEBHOOK_BODY_LIMIT,
    connectionTimeout: 15_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 30_000,
    return503OnClosing: true,
  })
  deps.metrics.certificateExpiry.set(material.notAfter.getTime() / 1000)
  deps.tls.onChange((next) => {
    app.server.setSecureContext({ cert: next.cert, key: next.key, minVersion: 'TLSv1.2' })
    deps.metrics.certificateExpiry.set(next.notAfter.getTime() / 1000)
  })

  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500
    if (status < 500) {
      deps.metrics.badRequests.inc()
      request.log.warn({ code: error.code, status, url: request.url }, 'webhook request refused')
    } else request.log.error({ err: error }, 'webhook request failed')
    return reply
      .code(status)
      .send({ error: status < 500 ? 'BAD_REQUEST' : 'INTERNAL', message: error.message })
  })
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'NOT_FOUND', message: 'Not found.' }),
  )

  app.post('/mutate', async (request, reply) => {
    const outcome = admit(request.body, deps.settings)
    if (!outcome.ok) {
      deps.metrics.badRequests.inc()
      request.log.warn({ problem: outcome.problem }, 'webhook request refused')
      return reply.code(400).send({ error: 'BAD_REQUEST', message: outcome.problem })
    }
    const result = outcome.result === 'not_a_pod' ? 'skipped' : outcome.result
    deps.metrics.injections.inc({ result })
    if (outcome.result === 'denied')
      request.log.warn(
        { pod: outcome.pod, reason: outcome.reason },
        'pod refused: its injection annotations are invalid',
      )
    else if (outcome.result === 'injected') request.log.info({ pod: outcome.pod }, 'sidecar injected')
    return reply.header('cache-control', 'no-store').send(outcome.review)
  })
  app.get('/healthz', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  )
  app.get('/readyz', async (_request, reply) => {
    const ready = deps.tls.current() !== undefined && (deps.ready?.() ?? true)
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not ready' })
  })
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  )
  return app
}
