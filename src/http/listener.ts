import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/derive.ts'
import type { Metrics } from '../observability/metrics.ts'
import { applyRequestDeadlines } from './deadlines.ts'
import { continueOnceDecided, deferContinue } from './expect-continue.ts'

/**
 * What every listener of fxa-gate gets: deadlines on requests and their bodies, and 100 Continue
 * only once the request is allowed. Call on a fastify instance before it listens.
 */
export function guardListener(
  app: FastifyInstance,
  config: Pick<Config, 'requestTimeout' | 'requestBodyIdleTimeout'>,
  metrics: Metrics,
): void {
  applyRequestDeadlines(
    app.server,
    { requestTimeoutMs: config.requestTimeout, bodyIdleTimeoutMs: config.requestBodyIdleTimeout },
    () => metrics.requestErrors.inc({ code: 'REQUEST_TIMEOUT' }),
  )
  deferContinue(app.server)
  app.addHook('preParsing', continueOnceDecided)
}
