import type { Config } from '../config/derive.ts'
import type { Fetch } from '../identity/http.ts'
import { createProfileFetcher } from '../identity/profile-api.ts'
import type { Provider } from '../identity/provider.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Revocation } from '../revocation/revocation.ts'
import type { Revalidation } from '../session/revalidation.ts'
import type { Sessions } from '../session/sessions.ts'
import type { SessionStore } from '../session/types.ts'
import type { EventStateStore } from './event-state.ts'
import { createProviderKeys, jwksUriOf } from './provider-keys.ts'
import { createEventReceiver, type EventReceiver } from './receiver.ts'
import { createSetVerifier } from './verify-set.ts'
import { createWebhookNotifier, type WebhookNotifier } from './webhooks.ts'

export interface AccountEventsDeps {
  readonly revocation: Revocation
  readonly store: SessionStore
  readonly sessions: Sessions
  readonly provider: Provider
  readonly eventState: EventStateStore
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: () => number
  /** Calls to FxA (its JWKS, profiles). */
  readonly fetch?: Fetch | undefined
  /** Refreshes sessions whose access token expired before a profile-change could be read with it. */
  readonly revalidation?: Pick<Revalidation, 'refreshNow'> | undefined
}

export interface WebhookDeps {
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: () => number
  /** Calls to the delete-user webhooks (not FxA, so not timed as FxA). */
  readonly fetch?: Fetch | undefined
  /** The signing key now (rotated at run time); `config.eventsWebhookSecret` when absent. */
  readonly secret?: (() => string | undefined) | undefined
}

/**
 * The delete-user webhooks configured, if any: the global list (`eventsWebhookUrls`) and each
 * service's own (`services[].webhookUrls`, whose calls name the service), told alike of every
 * deletion.
 */
export function webhooksFromConfig(config: Config, deps: WebhookDeps): WebhookNotifier | undefined {
  if (config.eventsWebhookSecret === undefined) return undefined
  const configured = config.eventsWebhookSecret
  const lists = [
    { urls: config.eventsWebhookUrls, service: undefined },
    ...config.services.map((service) => ({ urls: service.webhookUrls, service: service.name })),
  ].filter((list) => list.urls.length > 0)
  if (lists.length === 0) return undefined
  const notifiers = lists.map(({ urls, service }) =>
    createWebhookNotifier({
      urls,
      service,
      secret: () => deps.secret?.() ?? configured,
      logger: deps.logger,
      metrics: deps.metrics,
      fetch: deps.fetch,
      clock: deps.clock,
    }),
  )
  if (notifiers.length === 1) return notifiers[0]
  return {
    notify: (event) => {
      for (const notifier of notifiers) notifier.notify(event)
    },
    idle: async () => {
      await Promise.all(notifiers.map((notifier) => notifier.idle()))
    },
    close: async () => {
      await Promise.all(notifiers.map((notifier) => notifier.close()))
    },
  }
}

/** FxA account event deliveries, wired from configuration. */
export function setUpAccountEvents(config: Config, deps: AccountEventsDeps): EventReceiver {
  const { logger, metrics, clock } = deps
  const keys = createProviderKeys({
    jwksUri: async () => jwksUriOf((await deps.provider.discover()).serverMetadata()),
    fetch: deps.fetch,
    timeoutMs: config.providerTimeout,
  })
  const receive = createEventReceiver({
    verify: createSetVerifier({
      issuer: config.eventsIssuer ?? config.issuer,
      audience: config.clientId,
      keys,
      clock,
    }),
    eventState: deps.eventState,
    revocation: deps.revocation,
    store: deps.store,
    profiles: {
      sessions: deps.sessions,
      fetchProfile: createProfileFetcher({ config, discover: deps.provider.discover, fetch: deps.fetch }),
      clock,
      logger,
      revalidation: deps.revalidation,
      mapping: config,
    },
    metrics,
    logger,
    rememberMs: config.eventsJtiTtl,
    stateTtlMs: config.sessionAbsoluteTtl,
  })
  return receive
}
