import { describe, expect, it } from 'vitest'
import { formatProblems, loadConfig } from '../../../src/config/load.ts'
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../../fixtures/pem.ts'

const minimal = {
  FXA_GATE_CLIENT_ID: 'abc123',
  FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
  FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
}
const files: Record<string, string> = {
  '/tls/ca.crt': TEST_CERTIFICATE,
  '/tls/tls.crt': TEST_CERTIFICATE,
  '/tls/tls.key': TEST_PRIVATE_KEY,
  '/tls/junk': 'not a certificate',
}
const load = (env: Record<string, string>) =>
  loadConfig({
    env: { ...minimal, ...env },
    readFile: (path) => {
      const text = files[path]
      if (text === undefined) throw Object.assign(new Error('no'), { code: 'ENOENT' })
      return text
    },
  })

describe('Redis configuration', () => {
  it('defaults to fail-fast deadlines and replicas detected automatically', () => {
    const result = load({})
    if (!result.ok) throw new Error(formatProblems(result.problems))
    expect(result.config.redisCommandTimeout).toBe(500)
    expect(result.config.redisWaitTimeout).toBe(500)
    expect(result.config.redisWaitReplicas).toBe('auto')
  })

  it('takes a number of replicas from the environment or the file, and refuses anything else', () => {
    const two = load({ FXA_GATE_REDIS_WAIT_REPLICAS: '2' })
    expect(two.ok && two.config.redisWaitReplicas).toBe(2)
    const yaml = loadConfig({ env: minimal, yaml: 'redisWaitReplicas: 1\n', readFile: () => '' })
    expect(yaml.ok && yaml.config.redisWaitReplicas).toBe(1)
    for (const bad of ['some', '-1', '99', '1.5']) {
      const result = load({ FXA_GATE_REDIS_WAIT_REPLICAS: bad })
      expect(result.ok, bad).toBe(false)
    }
  })

  it('reads the CA, the client certificate and key, and the Sentinel password from files', () => {
    const result = load({
      FXA_GATE_REDIS_URL: 'rediss+sentinel://s1:26379,s2:26379/main',
      FXA_GATE_REDIS_CA_CERT_FILE: '/tls/ca.crt',
      FXA_GATE_REDIS_CLIENT_CERT_FILE: '/tls/tls.crt',
      FXA_GATE_REDIS_CLIENT_KEY_FILE: '/tls/tls.key',
      FXA_GATE_REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    })
    if (!result.ok) throw new Error(formatProblems(result.problems))
    expect(result.config.redisCaCert).toContain('BEGIN CERTIFICATE')
    expect(result.config.redisClientKey).toContain('PRIVATE KEY')
    expect(result.config.redisSentinelPassword).toBe('sentinel-secret')
  })

  it('refuses TLS material without a TLS URL, half a client pair, junk, and a Sentinel password without Sentinel', () => {
    const result = load({
      FXA_GATE_REDIS_URL: 'redis://r:6379',
      FXA_GATE_REDIS_CA_CERT_FILE: '/tls/ca.crt',
      FXA_GATE_REDIS_CLIENT_CERT_FILE: '/tls/tls.crt',
      FXA_GATE_REDIS_SENTINEL_PASSWORD: 's',
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    const text = formatProblems(result.problems)
    expect(text).toContain('FXA_GATE_REDIS_CA_CERT (redisCaCert): needs a TLS Redis URL')
    expect(text).toContain('FXA_GATE_REDIS_CLIENT_KEY (redisClientKey): mutual TLS needs both')
    expect(text).toContain(
      'FXA_GATE_REDIS_SENTINEL_PASSWORD (redisSentinelPassword): applies only to a redis+sentinel',
    )
    const junk = load({ FXA_GATE_REDIS_URL: 'rediss://r', FXA_GATE_REDIS_CA_CERT_FILE: '/tls/junk' })
    expect(junk.ok).toBe(false)
    if (!junk.ok) {
      expect(formatProblems(junk.problems)).toContain('redisCaCert')
      expect(formatProblems(junk.problems)).not.toContain('not a certificate')
    }
  })

  it('bounds the deadlines', () => {
    expect(load({ FXA_GATE_REDIS_COMMAND_TIMEOUT: '0' }).ok).toBe(false)
    expect(load({ FXA_GATE_REDIS_WAIT_TIMEOUT: '2m' }).ok).toBe(false)
    expect(load({ FXA_GATE_REDIS_COMMAND_TIMEOUT: '250ms' }).ok).toBe(true)
  })
})
