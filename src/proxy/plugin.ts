import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { GateError } from '../errors.ts'
import { replyError } from '../http/error-reply.ts'
import type { TransportDeps } from '../pipeline/deps.ts'
import { createAdmission } from './admission.ts'
import { createGatekeeper } from './gatekeeper.ts'
import type { SidecarForwarding } from './sidecar-forwarding.ts'
import { routeUpgrades } from './upgrades.ts'
import { UPSTREAM_FIELDS } from './upstream-observe.ts'
import { isWebsocketHandshake } from './websocket-handshake.ts'
import { createWebsocketWatch } from './websocket-watch.ts'

const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS']
/** How long a websocket told to go away may take to finish its closing handshake. */
const WEBSOCKET_CLOSE_GRACE = 2_000

/** fxa-gate's own answer headers that the upstream's answer carries too (the request id, draining). */
function ownAnswerHeaders(reply: FastifyReply): string[] {
  const out: string[] = []
  const headers = reply.getHeaders()
  for (const name in headers) {
    const value = headers[name]
    if (typeof value === 'string') out.push(name, value)
  }
  return out
}

/**
 * Sidecar mode: every request outside fxa-gate's prefix goes through the gatekeeper (the pipeline),
 * then, when allowed, to the upstream with cleaned headers plus fxa-gate's identity headers, through
 * the forwarding engine (src/proxy/forward/: undici's dispatch, bodies streamed both ways with
 * backpressure). Websocket upgrades take the same route and hooks, then a raw tunnel.
 */
export async function sidecarProxy(
  app: FastifyInstance,
  deps: TransportDeps & { readonly forwarding?: SidecarForwarding },
): Promise<void> {
  const { config } = deps
  if (config.upstream === undefined) return

  // fxa-gate's prefix is its own, including paths it does not serve: never proxied.
  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    replyError(request, reply, new GateError('NOT_FOUND'))
  app.route({ method: METHODS, url: config.prefix, handler: notFound })
  app.route({ method: METHODS, url: `${config.prefix}/*`, handler: notFound })

  // Loaded here, not at start: a gate without an upstream (forward-auth only) never loads undici.
  const forwarding =
    deps.forwarding ?? (await import('./sidecar-forwarding.ts')).createSidecarForwarding(deps)
  // The listener closes once every connection has ended: websockets are told first (a close frame).
  app.addHook('preClose', (done) => {
    forwarding.closeTunnels(WEBSOCKET_CLOSE_GRACE)
    done()
  })
  app.addHook('onClose', () => forwarding.close())
  const upgrades = routeUpgrades(app)
  for (const [name, value] of Object.entries(UPSTREAM_FIELDS)) app.decorateRequest(name, value)

  await app.register(async function proxied(scope) {
    // Bodies are streamed to the upstream as they arrive: the one parser hands the stream on as it
    // is (after a `_method` peek, the stream that replays the peeked bytes).
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload))
    const websockets = createWebsocketWatch(deps)
    scope.addHook('onClose', async () => websockets.stop())
    const admission = createAdmission(config, deps.trustedPeer)
    const gatekeeper = createGatekeeper(deps, websockets, { admission, forwarding })
    deps.fastLane.rest(gatekeeper.handleNow)
    // Limits first (cheap), then the decision, then what only an allowed upload may hold (a body
    // read for `_method` counts as an upload: it is read before the decision ends).
    scope.addHook('onRequest', admission.enter)
    scope.addHook('onRequest', gatekeeper.onRequest)
    scope.addHook('onRequest', admission.upload)
    scope.addHook('preParsing', gatekeeper.preParsing)

    function proxy(request: FastifyRequest, reply: FastifyReply): void {
      const raw = request.raw
      const headers = gatekeeper.upstreamHeadersOf(request)
      const upgrade = upgrades.of(raw)
      if (upgrade !== undefined) {
        // ws refused anything but a websocket handshake; a raw tunnel must not carry another protocol.
        if (!isWebsocketHandshake(raw.method, raw.headers))
          throw new GateError('BAD_REQUEST', { detail: 'not a websocket handshake' })
        reply.hijack()
        forwarding.upgrade(request, upgrade.socket, upgrade.head, headers)
        return
      }
      const answerHeaders = ownAnswerHeaders(reply)
      reply.hijack()
      forwarding.forward(request, reply.raw, headers, answerHeaders, request.body as never)
    }
    scope.route({ method: METHODS, url: '/', handler: proxy })
    scope.route({ method: METHODS, url: '/*', handler: proxy })
  })
}
