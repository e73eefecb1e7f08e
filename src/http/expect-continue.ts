import type { Server } from 'node:http'
import type { preParsingHookHandler } from 'fastify'

/**
 * Node answers `Expect: 100-continue` at once by default, inviting the body of a request fxa-gate
 * may refuse. With this, the request goes through the usual hooks and `continueOnceDecided` answers
 * it: after every onRequest hook (the sidecar's decision and limits, an endpoint's own checks) has
 * let it through. A request refused before that never gets a 100, and Node closes its connection.
 */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (request, response) => server.emit('request', request, response))
}

/**
 * A preParsing hook: the request was allowed so far, so ask for its body now. Callback style: it
 * runs on every request, and an async hook would cost a promise each time.
 */
export const continueOnceDecided: preParsingHookHandler = (request, reply, payload, done) => {
  const expect = request.headers.expect
  if (
    expect !== undefined &&
    /^\s*100-continue\s*$/i.test(expect) &&
    request.raw.httpVersion === '1.1' &&
    !reply.raw.headersSent
  ) {
    reply.raw.writeContinue()
  }
  done(null, payload)
}
