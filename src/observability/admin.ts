import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { compileAdminHosts } from '../admin/host-check.ts'
import type { GateContext } from '../context.ts'
import { GateError, retryAfterOf } from '../errors.ts'
import { answerWhileClosing } from '../http/closing.ts'
import { handleClientError } from '../http/connection-errors.ts'
import { createErrorHandler } from '../http/error-reply.ts'
import { guardListener } from '../http/listener.ts'

/** What readiness depends on: the provider's discovery and the session store. */
export async function checkReadiness(
  ctx: GateContext,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {}
  checks['discovery'] = ctx.provider.ready() ? 'ok' : 'not loaded'
  try {
    await ctx.store.ping()
    checks['store'] = 'ok'
  } catch (error) {
    checks['store'] = error instanceof GateError ? error.code : 'error'
  }
  const ready = Object.values(checks).every((value) => value === 'ok')
  ctx.metrics.ready.set(ready ? 1 : 0)
  return { ready, checks }
}

/**
 * The admin listener: probes and metrics, never exposed through the ingress. It answers only its own
 * host names (see admin/host-check.ts); what changes state needs the admin token (admin/revoke.ts).
 */
export function buildAdminApp(ctx: GateContext): FastifyInstance {
  const admin = Fastify({
    loggerInstance: ctx.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Answered by answerWhileClosing instead: with Retry-After, in fxa-gate's error format.
    return503OnClosing: false,
    clientErrorHandler: handleClientError,
  })
  guardListener(admin, ctx.config, ctx.metrics)
  admin.setErrorHandler(createErrorHandler(ctx.metrics, ctx.failures))
  const servesHost = compileAdminHosts(ctx.config.adminHosts)
  admin.addHook('onRequest', async (request) => {
    if (!servesHost(request.headers.host)) throw new GateError('ADMIN_HOST_REFUSED')
  })
  answerWhileClosing(admin)
  admin.get('/healthz', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  )
  admin.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await checkReadiness(ctx)
    if (!ready) reply.header('retry-after', String(retryAfterOf('NOT_READY')))
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'not ready', checks })
  })
  admin.get('/metrics', async (_request, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  )
  return admin
}
