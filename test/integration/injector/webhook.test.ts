import { X509Certificate } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { type RequestOptions, request } from 'node:https'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mutatePod } from '../../../src/injector/mutate.ts'
import type { RunningWebhook } from '../../../src/injector/webhook-command.ts'
import { startTestWebhook, type WebhookTls, webhookTls } from '../../support/webhook-tls.ts'
import { ANNOTATED, appPod, IMAGE, REVIEW_UID, review, SETTINGS } from '../../unit/injector/fixtures.ts'

interface Reply {
  status: number
  body: string
  /** The serving certificate's fingerprint. */
  peer: string
}

describe('fxa-gate webhook over HTTPS', () => {
  let tls: WebhookTls
  let webhook: RunningWebhook
  let port: number

  const call = (path: string, body?: string | Buffer, options: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: body === undefined ? 'GET' : 'POST',
          ca: tls.ca.cert,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          agent: false,
          ...options,
        },
        (res) => {
          const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peer }))
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  const mutate = (body: unknown) => call('/mutate', JSON.stringify(body))

  beforeAll(async () => {
    tls = await webhookTls()
    const started = await startTestWebhook(tls, IMAGE, { FXA_GATE_WEBHOOK_TLS_RELOAD_INTERVAL: '1s' })
    webhook = started.webhook
    port = started.port
  })
  afterAll(async () => {
    await webhook?.close()
    await tls?.cleanup()
  })

  it('serves TLS only, with a certificate that verifies against its CA', async () => {
    await expect(call('/healthz', undefined, { ca: undefined })).rejects.toThrow(
      /self-signed|unable to verify|issuer/i,
    )
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, (res) =>
        resolve(String(res.statusCode)),
      )
      req.on('error', (error) => resolve(error.message))
      req.end()
    })
    expect(plain).not.toBe('200')
    expect((await call('/healthz')).status).toBe(200)
    expect((await call('/readyz')).status).toBe(200)
  })

  it('patches an annotated pod with the sidecar', async () => {
    const reply = await mutate(review({ metadata: { annotations: ANNOTATED }, spec: appPod() }))
    expect(reply.status).toBe(200)
    const { response } = JSON.parse(reply.body)
    expect(response).toMatchObject({
      uid: REVIEW_UID,
      allowed: true,
      patchType: 'JSONPatch',
    })
    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString())
    const expected = mutatePod(appPod(), ANNOTATED, SETTINGS)
    expect(patch).toEqual([
      { op: 'add', path: '/spec/initContainers', value: expected.initContainers },
      { op: 'add', path: '/spec/containers', value: expected.containers },
      { op: 'add', path: '/spec/volumes', value: expected.volumes },
    ])
  })

  it('skips pods without the annotation and pods already injected', async () => {
    for (const object of [
      { metadata: {}, spec: appPod() },
      { metadata: { annotations: ANNOTATED }, spec: mutatePod(appPod(), ANNOTATED, SETTINGS) },
    ]) {
      const { response } = JSON.parse((await mutate(review(object))).body)
      expect(response).toEqual({ uid: REVIEW_UID, allowed: true })
    }
  })

  it('refuses a pod with impossible annotations, so it never runs unprotected', async () => {
    const reply = await mutate(
      review({ metadata: { annotations: { 'fxa-gate.io/inject': 'true' } }, spec: appPod() }),
    )
    expect(JSON.parse(reply.body).response).toMatchObject({ allowed: false, status: { code: 400 } })
  })

  it.each([
    ['malformed JSON', '{"apiVersion": ', {}, 400],
    ['JSON that is not a review', '{"hello": "world"}', {}, 400],
    ['a prototype-poisoning body', '{"__proto__": {"allowed": true}}', {}, 400],
    [
      'a review without a uid',
      JSON.stringify({ ...review({ spec: appPod() }), request: { kind: {} } }),
      {},
      400,
    ],
    ['a body that is not JSON', 'apiVersion: v1', { headers: { 'content-type': 'text/yaml' } }, 415],
    ['an empty body', '', {}, 400],
    ['an oversized body', Buffer.alloc(8 * 1024 * 1024, 0x20), {}, 413],
  ])('answers %s with a 4xx and keeps serving', async (_name, body, options, status) => {
    const reply = await call('/mutate', body, options)
    expect(reply.status).toBe(status)
    expect((await call('/healthz')).status).toBe(200)
    const again = await mutate(review({ metadata: { annotations: ANNOTATED }, spec: appPod() }))
    expect(JSON.parse(again.body).response.allowed).toBe(true)
  })

  it('answers unknown paths and methods with 404', async () => {
    expect((await call('/nope')).status).toBe(404)
    expect((await call('/mutate')).status).toBe(404)
  })

  it('counts injections by result and refused requests in /metrics', async () => {
    const metrics = (await call('/metrics')).body
    for (const result of ['injected', 'skipped', 'already_injected', 'denied'])
      expect(metrics).toMatch(new RegExp(`fxa_gate_injections_total\\{result="${result}"\\} [1-9]`))
    expect(metrics).toMatch(/fxa_gate_webhook_bad_requests_total [1-9]/)
    expect(metrics).toMatch(/fxa_gate_webhook_certificate_expiry_timestamp_seconds \d/)
  })

  it('serves a renewed certificate without a restart, and keeps the old one while the files are broken', async () => {
    const before = (await call('/healthz')).peer
    await writeFile(tls.keyFile, 'half-written')
    await sleep(2500)
    expect((await call('/healthz')).peer).toBe(before)
    const next = await tls.rotate()
    const fingerprint = new X509Certificate(next.cert).fingerprint256
    for (let i = 0; i < 50 && (await call('/healthz')).peer !== fingerprint; i++) await sleep(100)
    expect((await call('/healthz')).peer).toBe(fingerprint)
    expect(fingerprint).not.toBe(before)
  })
})
