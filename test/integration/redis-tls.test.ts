import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, userinfo } from '../support/faults.ts'
import { startTestGate, type TestGate } from '../support/gate.ts'
import { freePort } from '../support/ports.ts'
import { type RedisSentinel, type RedisServer, startRedis, startRedisSentinel } from '../support/redis.ts'

/**
 * Redis over TLS with a private CA and a client certificate (mTLS: `tls-auth-clients yes`), and a
 * Sentinel with a password of its own: redisCaCert, redisClientCert, redisClientKey and
 * redisSentinelPassword (reading them from _FILE variables is covered by the configuration tests).
 */

const run = promisify(execFile)
let dir: string
let tlsRedis: RedisServer
let tlsPort: number
let sentinel: RedisSentinel
const SENTINEL_PASSWORD = 'sentinel-only-secret'

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir, timeout: 20_000 })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fxa-gate-tls-'))
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=fxa-gate test CA',
  )
  for (const [name, extra] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    await openssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    )
    await writeFile(join(dir, `${name}.ext`), `${extra}\n`)
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    )
  }
  tlsPort = await freePort()
  tlsRedis = await startRedis({
    args: [
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.crt'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.crt'),
      '--tls-auth-clients',
      'yes',
    ],
  })
  sentinel = await startRedisSentinel({ sentinelPassword: SENTINEL_PASSWORD })
})
afterAll(async () => {
  await tlsRedis?.stop()
  await sentinel?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** A gate with the PEM files of `files` (env name → file in the test's directory) as settings. */
async function gateWith(url: string, files: Record<string, string>, env: Record<string, string> = {}) {
  const contents = Object.fromEntries(
    await Promise.all(
      Object.entries(files).map(async ([name, file]) => [name, await readFile(join(dir, file), 'utf8')]),
    ),
  )
  return startTestGate({
    redisUrl: url,
    readyTimeoutMs: 4000,
    env: { FXA_GATE_SESSION_CACHE_TTL: '0', ...contents, ...env },
  })
}

describe('Redis over mutual TLS', () => {
  let gate: TestGate | undefined
  afterAll(async () => {
    await gate?.close()
  })

  it('works with the private CA and the client certificate', async () => {
    gate = await gateWith(`rediss://127.0.0.1:${tlsPort}`, {
      FXA_GATE_REDIS_CA_CERT: 'ca.crt',
      FXA_GATE_REDIS_CLIENT_CERT: 'client.crt',
      FXA_GATE_REDIS_CLIENT_KEY: 'client.key',
    })
    const session = await signIn(gate, 'tls@example.org')
    expect((await userinfo(gate, session)).status).toBe(200)
  })

  it('is refused without the client certificate: the store is unavailable, never bypassed', async () => {
    await expect(
      gateWith(`rediss://127.0.0.1:${tlsPort}`, { FXA_GATE_REDIS_CA_CERT: 'ca.crt' }),
    ).rejects.toThrow(/did not become ready/)
  })
})

describe('a Sentinel with its own password', () => {
  it('is reached with redisSentinelPassword, and not without it', async () => {
    const gate = await gateWith(sentinel.url, {}, { FXA_GATE_REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD })
    try {
      const session = await signIn(gate, 'sentinel@example.org')
      expect((await userinfo(gate, session)).status).toBe(200)
    } finally {
      await gate.close()
    }
    await expect(gateWith(sentinel.url, {})).rejects.toThrow(/did not become ready/)
  })
})
