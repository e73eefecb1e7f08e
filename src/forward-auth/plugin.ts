import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { forgedIdentityRefusal } from '../headers/forged-identity.ts'
import { compileHeaderHygiene } from '../headers/hygiene.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import { createTransportHandler } from '../pipeline/transport.ts'
import { envoyTransport } from './envoy.ts'
import { nginxTransport } from './nginx.ts'
import { createAuthUrlQuery } from './requirements-query.ts'
import { traefikTransport } from './traefik.ts'

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

/** The forward-auth endpoints: each reads its proxy's request into the shared pipeline and answers. */
export async function forwardAuthRoutes(app: FastifyInstance, deps: TransportDeps): Promise<void> {
  // Auth checks carry no meaningful body; whatever arrives is drained, never parsed.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { bodyLimit: 64 * 1024 }, (_request, payload, done) => {
    payload.resume()
    payload.on('end', () => done(null, undefined))
    payload.on('error', done)
  })
  const authUrlQuery = createAuthUrlQuery()
  // Decided and answered in onRequest, on the headers alone: before any body is read, so a check
  // request with `Expect: 100-continue` is never asked for one (refused or allowed). The fast lane
  // (http/fast-lane.ts) answers what memory decides before fastify sees the request at all.
  const handler = (transport: Parameters<typeof createTransportHandler<undefined>>[2]) =>
    createTransportHandler(deps.pipeline, deps.metrics, transport)
  const answered = async (_request: FastifyRequest, reply: FastifyReply) => reply
  const prefix = `${deps.config.prefix}/auth`
  // nginx and Traefik/Caddy copy the client's headers onto the auth request: an identity-shaped one
  // still there is one the proxy did not clear, and would reach the application (Envoy sends only
  // the headers it is told to).
  const hygiene = compileHeaderHygiene({
    identityPrefix: deps.config.identityHeaderPrefix,
    legacyNames: deps.config.legacyIdentityHeaders,
    writtenNames: deps.identityHeaders.names,
  })
  const nginxSets = new Set(['x-auth-request-redirect'])
  const { fastLane } = deps
  const nginx = handler(nginxTransport(deps, authUrlQuery))
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/nginx`,
    onRequest: [
      (request, _reply, done) => done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene, nginxSets)),
      nginx.handle,
    ],
    handler: answered,
  })
  // The route's own check first, as fastify runs it: a refusal is fastify's to answer.
  fastLane.exact(
    `${prefix}/nginx`,
    (req, res, observer) =>
      forgedIdentityRefusal(req.rawHeaders, hygiene, nginxSets) === undefined &&
      nginx.handleNow(req, res, observer),
  )
  const traefik = handler(traefikTransport(deps, authUrlQuery))
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/traefik`,
    onRequest: [
      (request, _reply, done) => done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene)),
      traefik.handle,
    ],
    handler: answered,
  })
  fastLane.exact(
    `${prefix}/traefik`,
    (req, res, observer) =>
      forgedIdentityRefusal(req.rawHeaders, hygiene) === undefined && traefik.handleNow(req, res, observer),
  )
  const envoy = handler(envoyTransport(deps))
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy`, onRequest: envoy.handle, handler: answered })
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy/*`, onRequest: envoy.handle, handler: answered })
  fastLane.exact(`${prefix}/envoy`, envoy.handleNow)
  fastLane.under(`${prefix}/envoy/`, envoy.handleNow)
}
