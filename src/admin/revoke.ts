import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { GateContext } from '../context.ts'
import { GateError } from '../errors.ts'
import { createErrorHandler } from '../http/error-reply.ts'

const UID = /^[\x21-\x7e]{1,255}$/

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * Who may change state: the holder of the admin token, from any peer. Without a configured token
 * nobody may: in a pod, loopback includes the application's container, and the admin port also
 * serves metrics to the whole cluster network. The comparison is of digests, in constant time.
 */
export function createAdminCheck(adminToken: () => string | undefined) {
  // Re-derived when the token is rotated (FXA_GATE_ADMIN_TOKEN_FILE changed): the old one stops working.
  let digestOf: string | undefined
  let expected: Buffer | undefined
  return async (request: FastifyRequest): Promise<void> => {
    const token = adminToken()
    if (token !== digestOf) {
      digestOf = token
      expected = token === undefined ? undefined : digest(`Bearer ${token}`)
    }
    if (expected === undefined) throw new GateError('ADMIN_FORBIDDEN')
    const given = request.headers.authorization
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      throw new GateError('UNAUTHENTICATED', {
        detail: 'admin token',
        wwwAuthenticate: 'Bearer realm="fxa-gate-admin"',
      })
    }
  }
}

/**
 * `POST /sessions/revoke` `{"user": "<uid>"}` on the admin listener, with the admin token: ends every
 * session of the user in every replica and drops their cached token results — what `fxa-gate
 * sessions revoke --user` does, through the same `revocation.revoke`. Answers `{"user": …, "ended":
 * <sessions>}` once the store's replicas confirmed it, else 503 REPLICATION_UNCONFIRMED or
 * STORE_UNAVAILABLE with Retry-After (nothing is undone: send it again).
 */
export async function adminRevokeRoutes(admin: FastifyInstance, ctx: GateContext): Promise<void> {
  admin.setErrorHandler(createErrorHandler(ctx.metrics, ctx.failures))
  // Decided before the body is read: an anonymous caller gets neither 100 Continue nor a parser.
  const authorize = createAdminCheck(() => ctx.secrets.current().adminToken)
  admin.post(
    '/sessions/revoke',
    { bodyLimit: 4096, onRequest: authorize },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const user = (request.body as { user?: unknown } | null | undefined)?.user
      if (typeof user !== 'string' || !UID.test(user))
        throw new GateError('BAD_REQUEST', { detail: 'expected {"user": "<uid>"}' })
      const ended = await ctx.revocation.revoke(user, { reason: 'operator' })
      request.log.info({ uid: user, ended, via: 'admin' }, 'operator revoked a user')
      return reply.header('cache-control', 'no-store').send({ user, ended })
    },
  )
}
