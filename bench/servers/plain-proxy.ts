// Baseline for the sidecar: @fastify/http-proxy to the same upstream (websockets too), with no auth.
import proxy from '@fastify/http-proxy'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
await app.register(proxy, { upstream: process.env['UPSTREAM'] ?? '', websocket: true })
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT']) })
process.send?.('ready')
// Exit cleanly on a signal, so --cpu-prof and --heap-prof write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
