// Baselines for the forward-auth endpoints: a bare fastify route answering 200, and the same route
// answering with as many header bytes as fxa-gate's allow answer (identity headers + assertion),
// so the report can tell header volume from fxa-gate's own work.
import Fastify from 'fastify'

const assertion = `eyJhbGciOiJFUzI1NiIsImtpZCI6ImsifQ.${'x'.repeat(560)}.${'y'.repeat(86)}`
const identity = {
  'x-user-id': 'b'.repeat(32),
  'x-user-auth': 'session',
  'x-user-subscriptions': '',
  'x-user-scopes': 'openid profile',
  'x-auth-request-user': 'b'.repeat(32),
  'x-user-email': 'bench@example.org',
  'x-auth-request-email': 'bench@example.org',
  'x-user-assertion': assertion,
  'cache-control': 'max-age=30',
  vary: 'Cookie, Authorization',
}
const app = Fastify({ logger: false })
app.get('/with-headers', async (_request, reply) => reply.code(200).headers(identity).send())
app.get('/*', async (_request, reply) => reply.code(200).send())
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT']) })
process.send?.('ready')
// Exit cleanly on a signal, so --cpu-prof and --heap-prof write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
