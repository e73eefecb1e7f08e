import type { Config } from './config/derive.ts'
import type { EventReceiver } from './events/receiver.ts'
import type { Provider } from './identity/provider.ts'
import type { Placement } from './nodes/placement.ts'
import type { LogLimiter } from './observability/log-limiter.ts'
import type { Logger } from './observability/logger.ts'
import type { Metrics } from './observability/metrics.ts'
import type { Pages } from './pages/pages.ts'
import type { ReturnUrlPolicy } from './redirect/return-url.ts'
import type { Revocation } from './revocation/revocation.ts'
import type { Keys, SecretHolder } from './secrets/state.ts'
import type { ServiceRegistry } from './services/registry.ts'
import type { Sessions } from './session/sessions.ts'
import type { SessionStore } from './session/types.ts'

/**
 * What the login, account-event and admin routes are built from, once at start-up and never
 * mutated. The transports (forward-auth, sidecar) get only what they use: TransportDeps. What
 * derives from secrets (keys, the assertion signer) lives in `secrets`, an immutable state swapped
 * whole when a secret file changes; `keys` reads the current one.
 */
export interface GateContext {
  readonly config: Config
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: () => number
  readonly store: SessionStore
  readonly sessions: Sessions
  readonly provider: Provider
  /** Revocation and erasure of a user (account events, admin endpoint, CLI); `onUserRevoked` hooks caches in. */
  readonly revocation: Revocation
  /** Where expected dependency failures are logged: once a second per code, with a count. */
  readonly failures: LogLimiter
  /** FxA account event deliveries (Security Event Tokens). */
  readonly accountEvents: EventReceiver
  /** The pages a browser is shown, in its language. */
  readonly pages: Pages
  readonly returnUrls: ReturnUrlPolicy
  /** The services behind this gate (the `services` key). */
  readonly services: ServiceRegistry
  /** Their users' nodes (readiness waits for the first copy of every service's nodes). */
  readonly placement: Placement
  readonly keys: Keys
  /** The current secret state (rotated at run time without a restart). */
  readonly secrets: SecretHolder
}
