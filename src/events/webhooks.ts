import { createHmac, timingSafeEqual } from 'node:crypto'
import { setTimeout as sleepFor } from 'node:timers/promises'
import type { Fetch } from '../identity/http.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

/** What a service is told: a user was deleted at FxA and their data must go. */
export interface WebhookEvent {
  readonly type: 'delete-user'
  readonly uid: string
  /** The account event's id (the SET's `jti`): the same on every retry, for the receiver to dedupe. */
  readonly id: string
}

export interface WebhookNotifier {
  /** Starts delivering to every URL in the background; never throws. */
  notify(event: WebhookEvent): void
  /** Resolves when no delivery is in flight. */
  idle(): Promise<void>
  /** Stops retrying; deliveries not yet made are logged as failed. */
  close(): Promise<void>
}

export interface WebhookOptions {
  readonly urls: readonly string[]
  /** The service these URLs belong to (`services[].webhookUrls`): named in each call's body. */
  readonly service?: string | undefined
  /** The signing key, or how to read it now (it may be rotated at run time). */
  readonly secret: string | (() => string)
  readonly logger: Logger
  readonly metrics: Metrics
  readonly fetch?: Fetch
  readonly clock?: () => number
  /** Calls per URL before giving up. Default 8 (the last one 1–2 minutes after the first, with the default delays). */
  readonly attempts?: number
  /** Delay before the first retry, doubled each time. Default 1 s. */
  readonly firstDelayMs?: number
  readonly maxDelayMs?: number
  readonly timeoutMs?: number
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  readonly random?: () => number
}

export const SIGNATURE_HEADER = 'x-fxa-gate-signature'

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed so a capture cannot be replayed later. */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `t=${timestampSeconds},v1=${mac}`
}

/** What a receiving service does: recompute the MAC over the raw body, compare in constant time, bound the age. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header ?? '')
  if (!match) return false
  const timestamp = Number(match[1])
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(signWebhook(secret, timestamp, body).slice(-64), 'hex')
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'))
}

type Attempt =
  | { kind: 'delivered' }
  | { kind: 'retry'; afterMs?: number | undefined; why: string; causeCode?: string | undefined }
  | { kind: 'give_up'; why: string }

/**
 * Tells services of `delete-user` (they may hold their own data about the user): a JSON POST per
 * URL, signed with HMAC-SHA256, retried with exponential back-off and jitter on network errors,
 * timeouts, 408, 425, 429 (honouring Retry-After) and 5xx. Other answers are final. Deliveries live
 * in this process: FxA's own delivery is acknowledged first, and a restart drops retries pending.
 */
export function createWebhookNotifier(options: WebhookOptions): WebhookNotifier {
  const fetch = options.fetch ?? globalThis.fetch
  const clock = options.clock ?? Date.now
  const { secret } = options
  const secretNow = typeof secret === 'function' ? secret : () => secret
  const attempts = options.attempts ?? 8
  const firstDelay = options.firstDelayMs ?? 1000
  const maxDelay = options.maxDelayMs ?? 60_000
  const timeoutMs = options.timeoutMs ?? 5000
  const sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }))
  const random = options.random ?? Math.random
  const stop = new AbortController()
  const inFlight = new Set<Promise<void>>()
  const outcome = {
    delivered: options.metrics.webhookDeliveries.labels('delivered'),
    retried: options.metrics.webhookDeliveries.labels('retried'),
    failed: options.metrics.webhookDeliveries.labels('failed'),
  }

  async function attempt(url: string, body: string): Promise<Attempt> {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(secretNow(), Math.floor(clock() / 1000), body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop.signal]),
      })
      await response.body?.cancel()
    } catch (error) {
      const cause = errorFields(error)
      return { kind: 'retry', why: cause.causeClass ?? 'Error', causeCode: cause.causeCode }
    }
    if (response.status >= 200 && response.status < 300) return { kind: 'delivered' }
    if (response.status >= 500 || [408, 425, 429].includes(response.status)) {
      const retryAfter = Number(response.headers.get('retry-after'))
      return {
        kind: 'retry',
        afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        why: `HTTP ${response.status}`,
      }
    }
    return { kind: 'give_up', why: `HTTP ${response.status}` }
  }

  async function deliver(url: string, event: WebhookEvent, body: string): Promise<void> {
    const target = new URL(url).origin
    for (let n = 1; ; n++) {
      const result = await attempt(url, body)
      if (result.kind === 'delivered') {
        outcome.delivered.inc()
        return
      }
      if (result.kind === 'give_up' || n >= attempts || stop.signal.aborted) {
        outcome.failed.inc()
        options.logger.error(
          {
            target,
            id: event.id,
            attempts: n,
            why: result.why,
            ...(result.kind === 'retry' && result.causeCode ? { causeCode: result.causeCode } : {}),
          },
          'delete-user webhook not delivered',
        )
        return
      }
      outcome.retried.inc()
      const backoff = Math.min(maxDelay, firstDelay * 2 ** (n - 1)) * (0.5 + random() / 2)
      try {
        await sleep(Math.min(maxDelay, Math.max(backoff, result.afterMs ?? 0)), stop.signal)
      } catch {
        outcome.failed.inc()
        options.logger.error(
          { target, id: event.id, attempts: n, why: 'shutting down' },
          'delete-user webhook not delivered',
        )
        return
      }
    }
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight])
  }

  return {
    notify(event) {
      if (stop.signal.aborted) return
      const body = JSON.stringify({
        type: event.type,
        uid: event.uid,
        id: event.id,
        time: clock(),
        ...(options.service === undefined ? {} : { service: options.service }),
      })
      for (const url of options.urls) {
        const delivery = deliver(url, event, body).finally(() => inFlight.delete(delivery))
        inFlight.add(delivery)
      }
    },
    idle,
    async close() {
      stop.abort()
      await idle()
    },
  }
}
