import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, distinctPorts, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { type GateProcess, startGateProcess } from '../support/gate-process.ts'
import { type RecordingUpstream, startRecordingUpstream } from '../support/sidecar.ts'

const redisUrl = inject('redisUrl')
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const PARENT = 'b7ad6b7169203331'

describe('OpenTelemetry tracing when FXA_GATE_TRACING=true (OTLP over HTTP to a collector)', () => {
  let fxa: FakeFxa
  let upstream: RecordingUpstream
  let collector: Server
  let gate: GateProcess
  const exports: Buffer[] = []

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        if (req.url === '/v1/traces') exports.push(Buffer.concat(chunks))
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
      })
    })
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
    upstream = await startRecordingUpstream()
    const [port, adminPort] = await distinctPorts(2)
    fxa = await startTestFxa([port!])
    gate = await startGateProcess({
      ...gateEnv(fxa, port!, adminPort!, {
        redisUrl,
        env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_TRACING: 'true', FXA_GATE_SHUTDOWN_DELAY: '0s' },
      }),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: 'gate-under-test',
    })
  }, 60_000)

  afterAll(async () => {
    await gate?.kill()
    await fxa?.close()
    await upstream?.close()
    await new Promise((resolve) => collector?.close(resolve))
  })

  it('continues the caller’s trace, sends its own span context upstream, and exports spans for the decision, Redis, FxA and the upstream', async () => {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, 'tracy@example.org')
    const response = await fetch(`${gate.url}/app/traced`, {
      headers: { cookie: jar.cookieHeader(gate.url), traceparent: `00-${TRACE_ID}-${PARENT}-01` },
    })
    expect(response.status).toBe(200)
    const seen = upstream.seenWith('/app/traced').at(-1)!
    const sent =
      seen.rawHeaders[seen.rawHeaders.findIndex((name) => name.toLowerCase() === 'traceparent') + 1]!
    // Same trace, but the parent is now fxa-gate's upstream span.
    expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
    expect(sent).not.toContain(PARENT)

    // Shutdown flushes the batch.
    gate.signal('SIGTERM')
    expect(await gate.exited).toBe(0)
    const body = Buffer.concat(exports)
    expect(body.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true)
    for (const name of [
      'GET sidecar',
      'upstream',
      'redis create',
      'fxa token',
      'GET callback',
      'gate-under-test',
    ])
      expect(body.includes(Buffer.from(name)), name).toBe(true)
  }, 40_000)
})
