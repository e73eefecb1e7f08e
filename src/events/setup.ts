import type { Config } from '../config/derive.ts'
import type { Fetch } from '../identity/http.ts'
import { createProfileFetcher } from '../identity/profile-api.ts'
import type { Provider } from '../identity/provider.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { Sessions } from '../session/sessions.ts'
import type { SessionStore } from '../session/types.ts'
import { type AccountActions, createAccountActions } from './accounts.ts'
import type { EventStateStore } from './event-state.ts'
import { createProviderKeys, jwksUriOf } from './provider-keys.ts'
import { createEventReceiver, type EventReceiver } from './receiver.ts'
import { createSetVerifier } from './verify-set.ts'
import { createWebhookNotifier, type WebhookNotifier } from './webhooks.ts'

export interface AccountEventsDeps {
  readonly store: SessionStore
  readonly sessions: Sessions
  readonly provider: Provider
  readonly eventState: EventStateStore
  readonly logger: Logger
  readonly metrics: Metrics
  readonly clock: () => number
  /** Calls to FxA (its JWKS, profiles). */
  readonly fetch?: Fetch | undefined
  /** Calls to the delete-user webhooks (not FxA); `fetch` when absent. */
  readonly webhookFetch?: Fetch | undefined
  /** The webhook signing key now (rotated at run time); `config.eventsWebhookSecret` when absent. */
  readonly webhookSecret?: () => string | undefined
}

export interface AccountEvents {
  readonly accounts: AccountActions
  readonly receive: EventReceiver
  /** Stops webhook retries. */
  close(): Promise<void>
}

/** Account events and user revocation, wired from configuration. */
export function setUpAccountEvents(config: Config, deps: AccountEventsDeps): AccountEvents {
  const { logger, metrics, clock } = deps
  const webhooks = webhookNotifiers(config, deps)
  const accounts = createAccountActions({
    clock,
    sessions: deps.sessions,
    eventState: deps.eventState,
    webhooks,
    logger,
    metrics,
  })
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
    accounts,
    store: deps.store,
    profiles: {
      sessions: deps.sessions,
      fetchProfile: createProfileFetcher({ config, discover: deps.provider.discover, fetch: deps.fetch }),
      clock,
      logger,
    },
    metrics,
    logger,
    rememberMs: config.eventsJtiTtl,
    stateTtlMs: config.sessionAbsoluteTtl,
  })
  return { accounts, receive, close: async () => webhooks?.close() }
}

/**
 * The delete-user webhooks: the global list (`eventsWebhookUrls`) and each service's own
 * (`services[].webhookUrls`, whose calls name the service), told alike of every deletion.
 */
function webhookNotifiers(config: Config, deps: AccountEventsDeps): WebhookNotifier | undefined {
  if (config.eventsWebhookSecret === undefined) return undefined
  const secret = () => deps.webhookSecret?.() ?? config.eventsWebhookSecret!
  const lists = [
    { urls: config.eventsWebhookUrls, service: undefined },
    ...config.services.map((service) => ({ urls: service.webhookUrls, service: service.name })),
  ].filter((list) => list.urls.length > 0)
  if (lists.length === 0) return undefined
  const notifiers = lists.map(({ urls, service }) =>
    createWebhookNotifier({
      urls,
      service,
      secret,
      logger: deps.logger,
      metrics: deps.metrics,
      fetch: deps.webhookFetch ?? deps.fetch,
      clock: deps.clock,
    }),
  )
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
