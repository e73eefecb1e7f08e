import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'

/** What readiness depends on: the provider's discovery and the session store. */
export async function checkReadiness(
  ctx: GateContext,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {}
  checks['discovery'] = ctx.provider.ready() ? 'ok' : 'not loaded'
  if (ctx.services.services.length > 0) checks['nodes'] = ctx.placement.ready() ? 'ok' : 'not loaded'
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

/** The admin listener: probes and metrics, never exposed through the ingress. */
export function buildAdminApp(ctx: GateContext): FastifyInstance {
  const admin = Fastify({
    loggerInstance: ctx.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  })
  admin.get('/healthz', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  )
  admin.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await checkReadiness(ctx)
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
