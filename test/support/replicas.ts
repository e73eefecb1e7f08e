import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'vitest'
import type { FakeFxa, FakeFxaOptions } from '../../dev/fake-fxa/index.ts'
import { startFakeFxa } from '../../dev/fake-fxa/index.ts'
import { CLIENT_ID, CLIENT_SECRET, distinctPorts, startTestGate, type TestGate } from './gate.ts'

export interface Replicas {
  readonly fxa: FakeFxa
  readonly gates: readonly TestGate[]
  close(): Promise<void>
}

/**
 * Several fxa-gate replicas in this process sharing one fake FxA, one Redis key prefix and the
 * cookie secrets: a cookie from one is valid on all, and only Redis connects them.
 */
export async function startReplicas(options: {
  readonly count: number
  readonly redisUrl: string
  readonly env?: Record<string, string>
  readonly fxa?: Partial<FakeFxaOptions>
  readonly client?: Partial<FakeFxaOptions['clients'][number]>
}): Promise<Replicas> {
  const ports = await distinctPorts(options.count + 1)
  const fxaPort = ports.pop()!
  const fxa = await startFakeFxa({
    port: fxaPort,
    logError: () => {},
    ...options.fxa,
    clients: [
      {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUris: ports.map((port) => `http://127.0.0.1:${port}/_gate/callback`),
        ...options.client,
      },
    ],
  })
  const cookieSecrets = randomBytes(32).toString('hex')
  const env = { FXA_GATE_REDIS_KEY_PREFIX: `r${randomBytes(4).toString('hex')}:`, ...options.env }
  const gates: TestGate[] = []
  for (const port of ports)
    gates.push(await startTestGate({ fxa, port, redisUrl: options.redisUrl, cookieSecrets, env }))
  return {
    fxa,
    gates,
    async close() {
      await Promise.all(gates.map((gate) => gate.close()))
      await fxa.close()
    },
  }
}

/** Polls `probe` until it returns true; fails the test after `withinMs`. Returns the time it took. */
export async function eventually(
  what: string,
  probe: () => Promise<boolean>,
  withinMs: number,
  everyMs = 50,
): Promise<number> {
  const started = Date.now()
  for (;;) {
    if (await probe()) return Date.now() - started
    if (Date.now() - started > withinMs) {
      expect.fail(`${what}: not within ${withinMs} ms`)
    }
    await sleep(everyMs)
  }
}
