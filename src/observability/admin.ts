import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { compileAdminHosts } from '../admin/host-check.ts'
import type { GateContext } from '../context.ts'
import { GateError, retryAfterOf } from '../errors.ts'
import { answerWhileClosing } from '../http/closing.ts'
import { handleClientError } from '../http/connection-errors.ts'
import { createErrorHandler } from '../http/error-reply.ts'
import { guardListener } from '../http/listener.ts'
import { NO_SCHEMAS } from '../http/no-schemas.ts'
import type { LifecycleState } from '../lifecycle/state.ts'
import type { Dependencies } from './dependencies.ts'

/** The shared dependencies readiness waited for before FXA_GATE_READINESS_DEPENDENCIES: discovery and the store. */
export async function checkDependencies(
  ctx: GateContext,
): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {}
  checks['discovery'] = ctx.provider.ready() ? 'ok' : 'not loaded'
  if (ctx.services.services.length > 0) checks['nodes'] = ctx.placement.ready() ? 'ok' : 'not loaded'
  try {
    await ctx.store.ping()
    checks['store'] = 'ok'
  } catch (error) {
    checks['store'] = error instanceof GateError ? error.code : 'error'
  }
  return { ok: Object.values(checks).every((value) => value === 'ok'), checks }
}

/**
 * Whether this replica can serve: it started and is not draining. Shared dependencies are not
 * asked (they are down for every replica at once, and taking them all out turns a partial outage
 * into a total one) unless `readinessDependencies` restores the strict behaviour.
 */
export async function checkReadiness(
  ctx: GateContext,
  lifecycle: LifecycleState,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {
    lifecycle: lifecycle.draining ? 'draining' : lifecycle.started ? 'ok' : 'starting',
  }
  let ready = checks['lifecycle'] === 'ok'
  if (ctx.config.readinessDependencies) {
    const dependencies = await checkDependencies(ctx)
    Object.assign(checks, dependencies.checks)
    ready &&= dependencies.ok
  }
  ctx.metrics.ready.set(ready ? 1 : 0)
  return { ready, checks }
}

/**
 * The admin listener: probes and metrics, never exposed through the ingress. It answers only its own
 * host names (see admin/host-check.ts); what changes state needs the admin token (admin/revoke.ts).
 */
export function buildAdminApp(
  ctx: GateContext,
  lifecycle: LifecycleState,
  dependencies: Dependencies,
): FastifyInstance {
  const admin = Fastify({
    loggerInstance: ctx.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Answered by answerWhileClosing instead: with Retry-After, in fxa-gate's error format.
    return503OnClosing: false,
    clientErrorHandler: handleClientError,
    schemaController: NO_SCHEMAS,
  })
  guardListener(admin, ctx.config, ctx.metrics)
  admin.setErrorHandler(createErrorHandler(ctx.metrics, ctx.failures))
  const servesHost = compileAdminHosts(ctx.config.adminHosts)
  admin.addHook('onRequest', async (request) => {
    if (!servesHost(request.headers.host)) throw new GateError('ADMIN_HOST_REFUSED')
  })
  answerWhileClosing(admin)
  // Liveness: the process answers. `?verbose` adds what operators look at in an outage.
  admin.get('/healthz', async (request, reply) => {
    reply.header('cache-control', 'no-store')
    if (!Object.hasOwn(request.query as object, 'verbose')) return reply.send({ status: 'ok' })
    const { checks } = await checkDependencies(ctx)
    return reply.send({
      status: 'ok',
      lifecycle: lifecycle.draining ? 'draining' : lifecycle.started ? 'started' : 'starting',
      checks,
      dependencies: Object.fromEntries(
        Object.entries(dependencies.status()).map(([name, state]) => [
          name,
          { up: state.up, since: state.since === 0 ? null : new Date(state.since).toISOString() },
        ]),
      ),
    })
  })
  admin.get('/readyz', async (_request, reply) => {
    const { ready, checks } = await checkReadiness(ctx, lifecycle)
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
