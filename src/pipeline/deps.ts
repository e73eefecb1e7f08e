import type { AssertionSigners } from '../assertion/setup.ts'
import type { Config } from '../config/derive.ts'
import type { Authenticator } from '../decision/credentials.ts'
import type { IdentityHeaders } from '../headers/identity-headers.ts'
import type { FastLane } from '../http/fast-lane.ts'
import type { Dependencies } from '../observability/dependencies.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Tracing } from '../observability/tracing.ts'
import type { Pages } from '../pages/pages.ts'
import type { Pipeline } from './pipeline.ts'

/** What the transports (forward-auth endpoints, the sidecar) are built from, once, in app.ts. */
export interface TransportDeps {
  readonly config: Config
  readonly pipeline: Pipeline
  /** For what outlives a decision (open websockets are checked again). */
  readonly authenticator: Authenticator
  readonly metrics: Metrics
  /** For what a transport notices outside any request's answer (a configuration warning). */
  readonly logger: Logger
  /** Latency and up-ness of the sidecar's upstream. */
  readonly dependencies: Dependencies
  /** Spans for the upstream request (the sidecar continues the caller's trace). */
  readonly tracing: Tracing
  readonly identityHeaders: IdentityHeaders
  /** Sign X-User-Assertion, per service (cached per identity). */
  readonly assertions: AssertionSigners
  /** Whether a socket peer address may set X-Forwarded-* headers. */
  readonly trustedPeer: (address: string | undefined) => boolean
  readonly clock: () => number
  /** Where the transports register their synchronous handling for the fast path. */
  readonly fastLane: FastLane
  /** The pages a browser is shown (a 403 that says why). */
  readonly pages: Pages
}
