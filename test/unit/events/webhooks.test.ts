import { describe, expect, it } from 'vitest'
import {
  createWebhookNotifier,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
} from '../../../src/events/webhooks.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

const SECRET = 'w'.repeat(40)
const NOW = Date.parse('2030-01-01T00:00:00Z')

type Answer = number | 'network' | { status: number; retryAfter: string }

/** A notifier whose HTTP calls and sleeps are recorded; each URL answers from its script, then 200. */
function harness(script: Record<string, Answer[]>, options: { attempts?: number } = {}) {
  const calls: Array<{ url: string; body: string; signature: string | null; contentType: string | null }> = []
  const delays: number[] = []
  const metrics = createMetrics({ defaultMetrics: false })
  const errors: unknown[] = []
  const logger = createLogger({ level: 'silent' })
  logger.error = ((obj: unknown) => {
    errors.push(obj)
  }) as typeof logger.error
  const notifier = createWebhookNotifier({
    urls: Object.keys(script),
    secret: SECRET,
    logger,
    metrics,
    clock: () => NOW,
    random: () => 1,
    attempts: options.attempts ?? 5,
    sleep: async (ms) => {
      delays.push(ms)
    },
    fetch: (async (url: string, init: RequestInit) => {
      const headers = new Headers(init.headers)
      calls.push({
        url,
        body: String(init.body),
        signature: headers.get(SIGNATURE_HEADER),
        contentType: headers.get('content-type'),
      })
      const answer = script[url]!.shift() ?? 200
      if (answer === 'network') throw new TypeError('fetch failed')
      if (typeof answer === 'number') return new Response('x', { status: answer })
      return new Response('x', { status: answer.status, headers: { 'retry-after': answer.retryAfter } })
    }) as unknown as typeof fetch,
  })
  const count = async (outcome: string) =>
    (await metrics.registry.getMetricsAsJSON())
      .find((m) => m.name === 'fxa_gate_event_webhook_deliveries_total')
      ?.values.find((v) => v.labels['outcome'] === outcome)?.value ?? 0
  return { notifier, calls, delays, errors, count }
}

describe('delete-user webhooks', () => {
  it('POSTs a signed JSON body to every URL', async () => {
    const { notifier, calls, count } = harness({ 'https://a.test/hook': [], 'https://b.test/hook': [] })
    notifier.notify({ type: 'delete-user', uid: 'u1', id: 'jti-1' })
    await notifier.idle()
    expect(calls.map((c) => c.url).sort()).toEqual(['https://a.test/hook', 'https://b.test/hook'])
    for (const call of calls) {
      expect(JSON.parse(call.body)).toEqual({ type: 'delete-user', uid: 'u1', id: 'jti-1', time: NOW })
      expect(call.contentType).toBe('application/json')
      expect(call.signature).toBe(signWebhook(SECRET, NOW / 1000, call.body))
      expect(verifyWebhookSignature(SECRET, call.signature!, call.body, NOW)).toBe(true)
    }
    expect(await count('delivered')).toBe(2)
  })

  it('retries network errors, 5xx, 408 and 429 with doubling delays, then delivers', async () => {
    const { notifier, calls, delays, count } = harness({
      'https://a.test/hook': ['network', 503, 408, 429, 200],
    })
    notifier.notify({ type: 'delete-user', uid: 'u1', id: 'jti-1' })
    await notifier.idle()
    expect(calls).toHaveLength(5)
    expect(delays).toEqual([1000, 2000, 4000, 8000])
    expect(new Set(calls.map((c) => c.body)).size).toBe(1) // same event, same id, every time
    expect(await count('retried')).toBe(4)
    expect(await count('delivered')).toBe(1)
  })

  it('waits as long as Retry-After asks (within the cap)', async () => {
    const { notifier, delays } = harness({ 'https://a.test/hook': [{ status: 503, retryAfter: '7' }, 200] })
    notifier.notify({ type: 'delete-user', uid: 'u1', id: 'x' })
    await notifier.idle()
    expect(delays).toEqual([7000])
  })

  it('gives up at once on other 4xx and after the last attempt, logging without the secret', async () => {
    const refusing = harness({ 'https://a.test/hook': [400] })
    refusing.notifier.notify({ type: 'delete-user', uid: 'u1', id: 'x' })
    await refusing.notifier.idle()
    expect(refusing.calls).toHaveLength(1)
    expect(await refusing.count('failed')).toBe(1)

    const down = harness({ 'https://a.test/hook': [500, 500, 500, 500, 500, 500] }, { attempts: 3 })
    down.notifier.notify({ type: 'delete-user', uid: 'u1', id: 'x' })
    await down.notifier.idle()
    expect(down.calls).toHaveLength(3)
    expect(await down.count('failed')).toBe(1)
    expect(JSON.stringify(down.errors)).toContain('https://a.test')
    expect(JSON.stringify(down.errors)).not.toContain(SECRET)
  })

  it('stops retrying on close', async () => {
    const metrics = createMetrics({ defaultMetrics: false })
    let calls = 0
    const notifier = createWebhookNotifier({
      urls: ['https://a.test/hook'],
      secret: SECRET,
      logger: createLogger({ level: 'silent' }),
      metrics,
      firstDelayMs: 60_000,
      fetch: (async () => {
        calls++
        return new Response('', { status: 503 })
      }) as unknown as typeof fetch,
    })
    notifier.notify({ type: 'delete-user', uid: 'u1', id: 'x' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const started = Date.now()
    await notifier.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(calls).toBe(1)
    notifier.notify({ type: 'delete-user', uid: 'u2', id: 'y' })
    expect(calls).toBe(1)
  })
})

describe('webhook signatures', () => {
  const body = '{"type":"delete-user","uid":"u1"}'
  const header = signWebhook(SECRET, NOW / 1000, body)

  it('verify over the exact body with the same secret, within the tolerance', () => {
    expect(verifyWebhookSignature(SECRET, header, body, NOW)).toBe(true)
    expect(verifyWebhookSignature(SECRET, header, body, NOW + 299_000)).toBe(true)
  })

  it('fail for another body, secret, an old timestamp or a malformed header', () => {
    expect(verifyWebhookSignature(SECRET, header, `${body} `, NOW)).toBe(false)
    expect(verifyWebhookSignature('x'.repeat(40), header, body, NOW)).toBe(false)
    expect(verifyWebhookSignature(SECRET, header, body, NOW + 301_000)).toBe(false)
    expect(verifyWebhookSignature(SECRET, signWebhook(SECRET, NOW / 1000 - 600, body), body, NOW)).toBe(false)
    for (const bad of [
      undefined,
      '',
      'v1=abc',
      header.replace('t=', 't=1'),
      `${header}0`,
      header.toUpperCase(),
    ]) {
      expect(verifyWebhookSignature(SECRET, bad, body, NOW), String(bad)).toBe(false)
    }
  })
})
