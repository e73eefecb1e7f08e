// Baseline for the forward-auth endpoints: a bare fastify route answering 200.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/*', async (_request, reply) => reply.code(200).send())
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT']) })
process.send?.('ready')
