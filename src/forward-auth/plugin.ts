import type { FastifyInstance } from 'fastify'
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
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/nginx`,
    handler: handler(nginxTransport(deps, authUrlQuery)),
  })
  app.route({
    method: ALL_METHODS,
    url: `${prefix}/traefik`,
    handler: handler(traefikTransport(deps, authUrlQuery)),
  })
  const envoy = handler(envoyTransport(deps))
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy`, handler: envoy })
  app.route({ method: ALL_METHODS, url: `${prefix}/envoy/*`, handler: envoy })
}
