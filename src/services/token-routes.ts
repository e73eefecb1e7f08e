import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/derive.ts'
import type { Authenticator } from '../decision/credentials.ts'
import { bearerNotAccepted, unmetRequirement } from '../decision/decide.ts'
import { GateError } from '../errors.ts'
import type { Placement } from '../nodes/placement.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { ServiceRegistry } from './registry.ts'
import type { ServiceTokens } from './service-token.ts'

/**
 * Per-user credential high-water marks (the time of the user's last password change, in ms; 0 when
 * none is kept): a service token issued before it is no longer active.
 */
export interface CredentialMarkReader {
  of(uid: string): number | Promise<number>
}

/** No marks kept: every token is active until it expires. */
export const NO_MARKS: CredentialMarkReader = Object.freeze({ of: () => 0 })

export interface TokenRoutesDeps {
  readonly config: Config
  readonly services: ServiceRegistry
  readonly authenticator: Authenticator
  readonly placement: Placement
  readonly tokens: ServiceTokens
  readonly marks: CredentialMarkReader
  readonly metrics: Metrics
}

const INACTIVE = Object.freeze({ active: false })
const TOKEN_FIELD = /^[A-Za-z0-9._-]{1,4096}$/

function serviceOf(deps: TokenRoutesDeps, request: FastifyRequest) {
  const service = deps.services.byName((request.params as { service: string }).service)
  if (service === undefined) throw new GateError('NOT_FOUND', { detail: 'unknown service' })
  return service
}

/**
 * `GET <prefix>/token/<service>`: a short-lived token for one service, for clients that do not go
 * through the proxy (a native client talking to a storage node), credentialed by the session cookie
 * or an FxA bearer token (held to the service's allowed clients and scopes).
 * `POST <prefix>/token/<service>/introspect` (RFC 7662): whether a token is still good — signature,
 * audience and expiry, and neither the user's last password change nor a move to another node
 * since it was issued.
 */
export async function serviceTokenRoutes(app: FastifyInstance, deps: TokenRoutesDeps): Promise<void> {
  const base = `${deps.config.prefix}/token/:service`
  for (const service of deps.services.services) deps.metrics.serviceTokens.inc({ service: service.name }, 0)
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8192 },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )

  app.get(base, async (request: FastifyRequest, reply: FastifyReply) => {
    const service = serviceOf(deps, request)
    const identity = await deps.authenticator.authenticate(
      { headers: request.headers, rawHeaders: request.raw.rawHeaders, url: request.url },
      { allowedClients: service.allowedClients },
    )
    if (identity === null)
      throw new GateError('UNAUTHENTICATED', { detail: 'token', wwwAuthenticate: 'Bearer realm="fxa-gate"' })
    if (identity.auth === 'bearer') {
      // As on the service's hosts: a bearer token counts only where something names who may use it.
      if (!service.namesBearerUse && deps.config.bearerAllowedClients.length === 0) throw bearerNotAccepted()
      const unmet = unmetRequirement(identity, service.bearerRequirements)
      if (unmet !== undefined) {
        throw new GateError('FORBIDDEN', {
          detail: `service ${service.name}: ${unmet.kind === 'scope' ? `missing scope ${unmet.scope}` : unmet.kind}`,
          wwwAuthenticate: 'Bearer realm="fxa-gate", error="insufficient_scope"',
        })
      }
    }
    const node = await deps.placement.nodeFor(service, identity.uid)
    const { token, expiresIn } = await deps.tokens.issue(service, identity, node)
    deps.metrics.serviceTokens.inc({ service: service.name })
    return reply
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send({ token, expiresIn, uid: identity.uid, ...(node === undefined ? {} : { node }) })
  })

  app.post(`${base}/introspect`, async (request: FastifyRequest, reply: FastifyReply) => {
    const service = serviceOf(deps, request)
    const token = (request.body as { token?: unknown } | undefined)?.token
    if (typeof token !== 'string' || !TOKEN_FIELD.test(token))
      throw new GateError('BAD_REQUEST', { detail: 'introspect needs one token' })
    reply.header('cache-control', 'no-store')
    const claims = await deps.tokens.verify(service, token)
    if (claims === undefined) return reply.send(INACTIVE)
    // The mark is in ms, iat in whole seconds (rounded down): a token of the mark's own second
    // may have been issued before it, and counts as older.
    const mark = await deps.marks.of(claims.sub)
    if (mark > 0 && claims.iat * 1000 < mark) return reply.send(INACTIVE)
    if (claims.node !== undefined && (await deps.placement.current(service, claims.sub)) !== claims.node)
      return reply.send(INACTIVE)
    return reply.send({
      active: true,
      token_type: 'at+jwt',
      sub: claims.sub,
      aud: service.audience,
      iat: claims.iat,
      exp: claims.exp,
      ...(claims.clientId === undefined ? {} : { client_id: claims.clientId }),
      ...(claims.scope === undefined ? {} : { scope: claims.scope }),
      ...(claims.node === undefined ? {} : { node: claims.node }),
    })
  })
}
