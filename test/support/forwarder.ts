import { errorAnswer } from '../../src/http/error-body.ts'
import { createForwarder, type Forwarder } from '../../src/proxy/forward/forwarder.ts'
import type { ForwardEvents, ForwarderOptions } from '../../src/proxy/forward/types.ts'

const noop = () => {}

/** Events nobody listens to; spread it and replace the one a test watches. */
export const IGNORED_EVENTS: ForwardEvents = {
  upstreamError: noop,
  abortedResponse: noop,
  stalledUpload: noop,
  websocketOpened: noop,
  websocketClosed: noop,
}

/** The forwarding engine towards `upstream` with small pools and short deadlines, as tests want it. */
export function testForwarder(upstream: string, overrides: Partial<ForwarderOptions> = {}): Forwarder {
  return createForwarder({
    upstream,
    connections: 2,
    uploadConnections: 2,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 2000,
    bodyTimeoutMs: 2000,
    requestBodyTimeoutMs: 2000,
    ownCookies: [],
    events: IGNORED_EVENTS,
    renderError: (error, headers) => errorAnswer(error, headers),
    ...overrides,
  })
}
