import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCookieJar, loginWithForm } from '../../../dev/fake-fxa/index.ts'
import { startTestGate, type TestGate } from '../../support/gate.ts'

/** D7. An FxA token endpoint that does not answer in time is "unavailable" (503), not "an error" (502). */

let gate: TestGate
beforeAll(async () => {
  gate = await startTestGate({ env: { FXA_GATE_PROVIDER_TIMEOUT: '500ms' } })
})
afterAll(async () => {
  await gate?.close()
})

describe('an FxA token endpoint that times out', () => {
  it('answers 503 PROVIDER_UNAVAILABLE with Retry-After', async () => {
    const jar = createCookieJar()
    const started = await jar.fetch(`${gate.url}/_gate/start`)
    const callback = await loginWithForm(jar.fetch, started.headers.get('location')!, 'slow@example.org')
    gate.fxa.setFailure('token', { delayMs: 3000 })
    try {
      const answer = await jar.fetch(callback, { headers: { accept: 'application/json' } })
      expect(answer.status).toBe(503)
      expect(await answer.json()).toMatchObject({ error: 'PROVIDER_UNAVAILABLE' })
      expect(answer.headers.get('retry-after')).toMatch(/^[1-9]\d*$/)
    } finally {
      gate.fxa.setFailure('token', null)
    }
  })
})
