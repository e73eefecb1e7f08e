import type { FastifyInstance } from 'fastify'
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
  const handler = (transport: Parameters<typeof createTransportHandler<undefined>>[2]) =>
    createTransportHandler(deps.pipeline, deps.metrics, transport).handle
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
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/nginx`,
    onRequest: (request, _reply, done) =>
      done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene, nginxSets)),
    handler: handler(nginxTransport(deps, authUrlQuery)),
  })
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/traefik`,
    onRequest: (request, _reply, done) => done(forgedIdentityRefusal(request.raw.rawHeaders, hygiene)),
    handler: handler(traefikTransport(deps, authUrlQuery)),
  })
  const envoy = handler(envoyTransport(deps))
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy`, handler: envoy })
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy/*`, handler: envoy })
}
