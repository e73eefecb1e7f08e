import type { AssertionSigner } from './assertion/signer.ts'
import type { TokenChecker } from './bearer/token-checker.ts'
import type { Config } from './config/derive.ts'
import type { Keyring } from './crypto/keyring.ts'
import type { DecisionPolicy } from './decision/decide.ts'
import type { EventReceiver } from './events/receiver.ts'
import type { IdentityHeaders } from './headers/identity-headers.ts'
import type { Provider } from './identity/provider.ts'
import type { LogLimiter } from './observability/log-limiter.ts'
import type { Logger } from './observability/logger.ts'
import type { Metrics } from './observability/metrics.ts'
import type { ReturnUrlPolicy } from './redirect/return-url.ts'
import type { Revocation } from './revocation/revocation.ts'
import type { Sessions } from './session/sessions.ts'
import type { SessionStore } from './session/types.ts'

/**
 * Everything derived from configuration, built once at start-up and never mutated: route handlers
 * read it, none of them rebuild policy per request.
 */
export interface GateContext {
  readonly config: Config
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: () => number
  readonly store: SessionStore
  readonly sessions: Sessions
  /** Bearer tokens → identities (FxA introspection, cached). */
  readonly tokens: TokenChecker
  readonly provider: Provider
  /** Revocation and erasure of a user (account events, admin endpoint, CLI); `onUserRevoked` hooks caches in. */
  readonly revocation: Revocation
  /** Where expected dependency failures are logged: once a second per code, with a count. */
  readonly failures: LogLimiter
  /** FxA account event deliveries (Security Event Tokens). */
  readonly accountEvents: EventReceiver
  readonly returnUrls: ReturnUrlPolicy
  readonly policy: DecisionPolicy
  readonly identityHeaders: IdentityHeaders
  /** Signs X-User-Assertion (cached per identity) and holds the JWKS that verifies it. */
  readonly assertions: AssertionSigner
  /** Whether a socket peer address may set X-Forwarded-* headers. */
  readonly trustedPeer: (address: string | undefined) => boolean
  readonly keys: { readonly cookie: Keyring; readonly seal: Keyring; readonly login: Keyring }
}
