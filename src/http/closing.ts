import type { FastifyInstance } from 'fastify'
import { GateError } from '../errors.ts'
import { replyError } from './error-reply.ts'

/**
 * While the app closes, requests still arriving on open connections get 503 SHUTTING_DOWN with
 * Retry-After and `Connection: close` (fastify's own answer has no Retry-After), and connections
 * busy when closing began are closed as soon as their response is sent instead of idling for the
 * keep-alive timeout. Needs `return503OnClosing: false`.
 */
export function answerWhileClosing(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    app.server.keepAliveTimeout = 1
    done()
  })
  app.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close')
    replyError(request, reply, new GateError('SHUTTING_DOWN'))
  })
}
