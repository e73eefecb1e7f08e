import { createMemoryTokenStore } from '../../../src/bearer/token-store.ts'
import { deriveKeyring } from '../../../src/crypto/keyring.ts'
import { createMemoryEventState } from '../../../src/events/event-state.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'
import { createMemorySessionStore } from '../../../src/session/memory-store.ts'
import { createSessions, type SessionFields, type SessionTokens } from '../../../src/session/sessions.ts'

/** Real in-memory stores and the real Sessions service on a settable clock: no network. */
export function memoryWorld() {
  const clock = { now: Date.parse('2030-01-01T00:00:00Z') }
  const now = () => clock.now
  const store = createMemorySessionStore({ clock: now })
  const eventState = createMemoryEventState({ clock: now })
  const tokens = createMemoryTokenStore(now)
  const metrics = createMetrics({ defaultMetrics: false })
  const logger = createLogger({ level: 'silent' })
  const secrets = ['s'.repeat(40)]
  const cookieKeys = deriveKeyring(secrets, 'session-cookie')
  const sealKeys = deriveKeyring(secrets, 'token-seal')
  const sessions = createSessions({
    store,
    cookieKeys: () => cookieKeys,
    sealKeys: () => sealKeys,
    metrics,
    clock: now,
    absoluteTtlMs: 7 * 86_400_000,
    idleTtlMs: 86_400_000,
    cacheTtlMs: 0,
  })
  const fields = (uid: string, overrides: Partial<SessionFields> = {}): SessionFields => ({
    uid,
    email: `${uid}@example.org`,
    displayName: null,
    locale: 'en-US',
    avatar: null,
    subscriptions: [],
    scopes: ['openid', 'profile'],
    aal: 1,
    amr: ['pwd'],
    ...overrides,
  })
  return {
    clock,
    now,
    store,
    eventState,
    tokens,
    metrics,
    logger,
    sessions,
    /** Logs `uid` in now (or at `at`), returning the session's store key. */
    async login(
      uid: string,
      options: { at?: number; fields?: Partial<SessionFields>; tokens?: Partial<SessionTokens> } = {},
    ) {
      const saved = clock.now
      if (options.at !== undefined) clock.now = options.at
      const { session } = await sessions.start(fields(uid, options.fields), {
        accessToken: `at-${uid}`,
        ...options.tokens,
      })
      clock.now = saved
      return session.key
    },
    async counter(name: string, labels: Record<string, string>): Promise<number> {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)
      const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      return value?.value ?? 0
    },
  }
}

export type MemoryWorld = ReturnType<typeof memoryWorld>
