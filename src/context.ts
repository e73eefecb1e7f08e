import type { AssertionSigner } from './assertion/signer.ts'
import type { CredentialMarks } from './bearer/credential-marks.ts'
import type { TokenChecker } from './bearer/token-checker.ts'
import type { Config } from './config/derive.ts'
import type { Keyring } from './crypto/keyring.ts'
import type { DecisionPolicy } from './decision/decide.ts'
import type { AccountActions } from './events/accounts.ts'
import type { EventReceiver } from './events/receiver.ts'
import type { IdentityHeaders } from './headers/identity-headers.ts'
import type { Provider } from './identity/provider.ts'
import type { Logger } from './observability/logger.ts'
import type { Metrics } from './observability/metrics.ts'
import type { ReturnUrlPolicy } from './redirect/return-url.ts'
import type { Revalidation } from './session/revalidation.ts'
import type { Sessions } from './session/sessions.ts'
import type { TokenReaper } from './session/token-reaper.ts'
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
  /** Re-checks sessions with the provider (refresh grants), at most an interval after the last check. */
  readonly revalidation: Revalidation
  /** Destroys ended sessions' provider tokens. */
  readonly reaper: TokenReaper
  /** Per-user credential high-water marks (password change, deletion). */
  readonly marks: CredentialMarks
  /** Bearer tokens → identities (FxA introspection, cached). */
  readonly tokens: TokenChecker
  readonly provider: Provider
  /** Revocation and erasure of a user (account events, admin endpoint, CLI); `onUserRevoked` hooks caches in. */
  readonly accounts: AccountActions
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
