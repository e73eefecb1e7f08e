import { expect, inject, it } from 'vitest'
import { createCookieJar, loginThroughGate, startTestGate } from '../support/gate.ts'
import { startRecordingUpstream } from '../support/sidecar.ts'

it('smoke', async () => {
  const upstream = await startRecordingUpstream()
  const gate = await startTestGate({ redisUrl: inject('redisUrl'), env: { FXA_GATE_UPSTREAM: upstream.url, FXA_GATE_PUBLIC_PATHS: '/public/*' } })
  try {
    const anon = await fetch(`${gate.url}/public/x?a=1`, { headers: { 'x-user-id': 'evil', 'X_User_Id': 'evil2' } })
    console.log(anon.status, await anon.text())
    const api = await fetch(`${gate.url}/private`)
    console.log(api.status, await api.text())
    const nav = await fetch(`${gate.url}/private`, { headers: { accept: 'text/html' }, redirect: 'manual' })
    console.log(nav.status, nav.headers.get('location'))
    const jar = createCookieJar()
    const landed = await loginThroughGate(jar, gate.url, 'ann@example.org', { rd: '/after' })
    console.log(landed.status, landed.headers.get('location'))
    const ok = await jar.fetch(`${gate.url}/private?x=1`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain', connection: 'x-user-id' } })
    console.log(ok.status, await ok.text())
    const own = await jar.fetch(`${gate.url}/_gate/nothing`)
    console.log(own.status, await own.text())
    const jwks = await fetch(`${gate.url}/_gate/jwks.json`)
    console.log(jwks.status, await jwks.text())
  } finally {
    await gate.close()
    await upstream.close()
  }
})
