/**
 * Runs the fake FxA by hand:
 *   node dev/fake-fxa/main.ts --port 9000 --client-id X --client-secret Y --redirect-uri Z
 * Omit --client-secret for a public (PKCE) client. Repeat --redirect-uri for several.
 */
import { parseArgs } from 'node:util'
import { startFakeFxa } from './index.ts'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '9000' },
    issuer: { type: 'string' },
    'client-id': { type: 'string', default: 'fxa-gate-demo' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true, default: ['http://127.0.0.1:8080/oauth2/callback'] },
    scope: { type: 'string', multiple: true, default: [] },
  },
  strict: true,
})

const fxa = await startFakeFxa({
  host: values.host,
  port: Number(values.port),
  ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
  scopes: values.scope,
  clients: [
    {
      clientId: values['client-id'],
      ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
      redirectUris: values['redirect-uri'],
    },
  ],
})

console.log(fxa.issuer)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    fxa.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
