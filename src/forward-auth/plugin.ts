import type { FastifyInstance } from 'fastify'
import type { GateContext } from '../context.ts'
import { forgedIdentityRefusal } from '../headers/forged-identity.ts'
import { compileHeaderHygiene } from '../headers/hygiene.ts'
import { createEnvoyHandler } from './envoy.ts'
import { createNginxHandler } from './nginx.ts'
import { createQueryRequirements } from './requirements-query.ts'
import { createTraefikHandler } from './traefik.ts'

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

/** The forward-auth endpoints: each translates its proxy's request into `decide()` and back. */
export async function forwardAuthRoutes(app: FastifyInstance, ctx: GateContext): Promise<void> {
  // Auth checks carry no meaningful body; whatever arrives is drained, never parsed.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { bodyLimit: 64 * 1024 }, (_request, payload, done) => {
    payload.resume()
    payload.on('end', () => done(null, undefined))
    payload.on('error', done)
  })
  const requirementsOf = createQueryRequirements()
  const prefix = `${ctx.config.prefix}/auth`
  // nginx and Traefik/Caddy copy the client's headers onto the auth request: an identity-shaped one
  // still there is one the proxy did not clear, and would reach the application (Envoy sends only
  // the headers it is told to).
  const hygiene = compileHeaderHygiene({
    identityPrefix: ctx.config.identityHeaderPrefix,
    legacyNames: ctx.config.legacyIdentityHeaders,
    writtenNames: ctx.identityHeaders.names,
  })
  const nginxSets = new Set(['x-auth-request-redirect'])
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/nginx`,
    onRequest: (request, _reply, done) =>
      done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene, nginxSets)),
    handler: createNginxHandler(ctx, requirementsOf),
  })
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/traefik`,
    onRequest: (request, _reply, done) => done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene)),
    handler: createTraefikHandler(ctx, requirementsOf),
  })
  const envoy = createEnvoyHandler(ctx)
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy`, handler: envoy })
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy/*`, handler: envoy })
}
