import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { FakeFxa } from '../../dev/fake-fxa/index.ts'
import { createCookieJar, distinctPorts, gateEnv, loginThroughGate, startTestFxa } from '../support/gate.ts'
import { type GateProcess, metricValue, startGateProcess } from '../support/gate-process.ts'

const redisUrl = inject('redisUrl')
const secret = () => randomBytes(24).toString('hex')

/**
 * A directory laid out like a mounted Kubernetes Secret: `<key>` → `..data/<key>`, `..data` → a
 * timestamped directory, and an update writes a new directory and swaps `..data` atomically.
 */
async function secretVolume(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-secrets-'))
  let version = 0
  async function publish(contents: Record<string, string>): Promise<void> {
    const next = `..v${++version}`
    await mkdir(join(dir, next))
    for (const [name, text] of Object.entries(contents)) await writeFile(join(dir, next, name), `${text}\n`)
    await symlink(next, join(dir, '..data_tmp'))
    await rename(join(dir, '..data_tmp'), join(dir, '..data'))
    if (version > 1) await rm(join(dir, `..v${version - 1}`), { recursive: true })
  }
  await publish(files)
  for (const name of Object.keys(files)) await symlink(join('..data', name), join(dir, name))
  return { dir, path: (name: string) => join(dir, name), publish }
}

describe('secrets re-read from their files without a restart (Kubernetes symlink swap)', () => {
  let fxa: FakeFxa
  let gate: GateProcess
  let volume: Awaited<ReturnType<typeof secretVolume>>
  const first = secret()
  const second = secret()
  const tokenBefore = secret()
  const tokenAfter = secret()

  beforeAll(async () => {
    const [port, adminPort] = await distinctPorts(2)
    fxa = await startTestFxa([port!])
    volume = await secretVolume({ 'cookie-secrets': first, 'admin-token': tokenBefore })
    const env = gateEnv(fxa, port!, adminPort!, { redisUrl })
    delete env['FXA_GATE_COOKIE_SECRETS']
    gate = await startGateProcess({
      ...env,
      FXA_GATE_COOKIE_SECRETS_FILE: volume.path('cookie-secrets'),
      FXA_GATE_ADMIN_TOKEN_FILE: volume.path('admin-token'),
    })
  }, 60_000)

  afterAll(async () => {
    await gate?.kill()
    await fxa?.close()
    await rm(volume.dir, { recursive: true, force: true })
  })

  async function login(email: string) {
    const jar = createCookieJar()
    await loginThroughGate(jar, gate.url, email)
    return jar
  }
  const status = async (jar: ReturnType<typeof createCookieJar>) =>
    (await jar.fetch(`${gate.url}/_gate/userinfo`)).status
  const revokeWith = async (token: string) =>
    (
      await fetch(`${gate.adminUrl}/sessions/revoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'nobody-at-all' }),
      })
    ).status
  async function reloaded(count: number) {
    const started = Date.now()
    await gate.waitForLog(
      () => gate.logs().filter((line) => line.msg === 'secrets reloaded from their files').length >= count,
      10_000,
    )
    return Date.now() - started
  }

  it('signs new sessions with a new first cookie secret, keeps old cookies, then drops the removed secret', async () => {
    const before = await login('old@example.org')
    expect(await status(before)).toBe(200)
    expect(await revokeWith(tokenBefore)).toBe(200)

    await volume.publish({ 'cookie-secrets': `${second}\n${first}`, 'admin-token': tokenAfter })
    const tookFirst = await reloaded(1)
    expect(await status(before)).toBe(200)
    const after = await login('new@example.org')
    expect(await status(after)).toBe(200)
    expect(await revokeWith(tokenBefore)).toBe(401)
    expect(await revokeWith(tokenAfter)).toBe(200)

    await volume.publish({ 'cookie-secrets': second, 'admin-token': tokenAfter })
    const tookSecond = await reloaded(2)
    // The old cookie was signed with the secret now gone; the new one with the secret that stays.
    expect(await status(before)).toBe(401)
    expect(await status(after)).toBe(200)
    console.log(`secret rotation applied ${tookFirst} ms and ${tookSecond} ms after the symlink swap`)

    const line = gate.logs().find((l) => l.msg === 'secrets reloaded from their files')
    expect(line).toMatchObject({ keys: expect.arrayContaining(['cookieSecrets', 'adminToken']) })
    expect(JSON.stringify(gate.logs())).not.toContain(second)
  })

  it('refuses a change that does not validate, and keeps the running secrets', async () => {
    const session = await login('kept@example.org')
    await volume.publish({ 'cookie-secrets': 'too-short', 'admin-token': tokenAfter })
    await gate.waitForLog(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('changed secrets refused'),
      10_000,
    )
    expect(await status(session)).toBe(200)
    expect(await revokeWith(tokenAfter)).toBe(200)
    const text = await (await fetch(`${gate.adminUrl}/metrics`)).text()
    expect(metricValue(text, 'fxa_gate_secret_reloads_total', { outcome: 'rejected' })).toBe(1)
    expect(metricValue(text, 'fxa_gate_secret_reloads_total', { outcome: 'applied' })).toBe(2)
    expect(JSON.stringify(gate.logs())).not.toContain('too-short')
  })
})
