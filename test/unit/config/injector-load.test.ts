import { describe, expect, it } from 'vitest'
import { loadInjectorConfig } from '../../../src/config/injector-load.ts'

const IMAGE = 'ghcr.io/fxa-gate/fxa-gate:0.1.0'
const FILES = {
  FXA_GATE_WEBHOOK_TLS_CERT_FILE: '/tls/tls.crt',
  FXA_GATE_WEBHOOK_TLS_KEY_FILE: '/tls/tls.key',
}
const BOOTSTRAP = {
  FXA_GATE_WEBHOOK_TLS_SECRET: 'fxa-gate-injector-tls',
  FXA_GATE_WEBHOOK_NAMESPACE: 'fxa-gate',
  FXA_GATE_WEBHOOK_CONFIGURATION_NAME: 'fxa-gate-injector',
  FXA_GATE_WEBHOOK_DNS_NAMES: 'fxa-gate-injector.fxa-gate.svc,fxa-gate-injector.fxa-gate.svc.cluster.local',
}

function problems(env: Record<string, string>, mode: 'inject' | 'webhook' = 'webhook'): string[] {
  const result = loadInjectorConfig(env, mode)
  return result.ok ? [] : result.problems.map((p) => `${p.env}: ${p.message}`)
}

describe('the injector configuration', () => {
  it('needs none of the gate keys (clientId, publicUrl, cookieSecrets) and has defaults for the rest', () => {
    const result = loadInjectorConfig({ FXA_GATE_INJECT_IMAGE: IMAGE, ...FILES }, 'webhook')
    if (!result.ok) throw new Error(JSON.stringify(result.problems))
    expect(result.config).toMatchObject({
      webhookListen: '0.0.0.0:8443',
      injectNativeSidecar: true,
      injectAdminPort: 9180,
      injectMemoryLimit: '256Mi',
      webhookTlsReloadInterval: 10_000,
    })
    expect(Object.isFrozen(result.config)).toBe(true)
  })

  it('lets inject -f run without an image or TLS (the command line can give the image)', () => {
    expect(problems({}, 'inject')).toEqual([])
  })

  it('makes the webhook name its image and exactly one TLS source', () => {
    expect(problems({})).toEqual([
      'FXA_GATE_INJECT_IMAGE: is required by the webhook',
      expect.stringMatching(/^FXA_GATE_WEBHOOK_TLS_CERT_FILE: the webhook needs TLS/),
    ])
    expect(problems({ FXA_GATE_INJECT_IMAGE: IMAGE, ...FILES, ...BOOTSTRAP })).toEqual([
      'FXA_GATE_WEBHOOK_TLS_SECRET: set either the certificate files or the bootstrap Secret, not both',
    ])
    expect(problems({ FXA_GATE_INJECT_IMAGE: IMAGE, FXA_GATE_WEBHOOK_TLS_CERT_FILE: '/c' })).toEqual([
      'FXA_GATE_WEBHOOK_TLS_KEY_FILE: is required with webhookTlsCertFile',
    ])
    expect(problems({ FXA_GATE_INJECT_IMAGE: IMAGE, ...BOOTSTRAP })).toEqual([])
    expect(problems({ FXA_GATE_INJECT_IMAGE: IMAGE, FXA_GATE_WEBHOOK_TLS_SECRET: 's' })).toEqual([
      'FXA_GATE_WEBHOOK_NAMESPACE: is required with webhookTlsSecret',
      'FXA_GATE_WEBHOOK_CONFIGURATION_NAME: is required with webhookTlsSecret',
      'FXA_GATE_WEBHOOK_DNS_NAMES: is required with webhookTlsSecret',
    ])
  })

  it('reports every malformed value at once, by environment variable', () => {
    expect(
      problems({
        FXA_GATE_INJECT_IMAGE: 'ghcr.io/fxa-gate/fxa-gate:latest',
        FXA_GATE_WEBHOOK_LISTEN: '8443',
        FXA_GATE_INJECT_NATIVE_SIDECAR: 'maybe',
        FXA_GATE_INJECT_MEMORY_LIMIT: 'lots',
        FXA_GATE_WEBHOOK_TLS_RELOAD_INTERVAL: '10ms',
      }).map((p) => p.split(':')[0]),
    ).toEqual([
      'FXA_GATE_INJECT_IMAGE',
      'FXA_GATE_INJECT_NATIVE_SIDECAR',
      'FXA_GATE_INJECT_MEMORY_LIMIT',
      'FXA_GATE_WEBHOOK_LISTEN',
      'FXA_GATE_WEBHOOK_TLS_RELOAD_INTERVAL',
    ])
  })

  it('reads booleans, ports and lists from the environment', () => {
    const result = loadInjectorConfig(
      { FXA_GATE_INJECT_NATIVE_SIDECAR: 'false', FXA_GATE_INJECT_ADMIN_PORT: '9300', ...BOOTSTRAP },
      'inject',
    )
    if (!result.ok) throw new Error(JSON.stringify(result.problems))
    expect(result.config.injectNativeSidecar).toBe(false)
    expect(result.config.injectAdminPort).toBe(9300)
    expect(result.config.webhookDnsNames).toHaveLength(2)
  })

  it('says what a malformed value should be, never "is required" for a value that is there', () => {
    expect(
      problems(
        {
          FXA_GATE_INJECT_NATIVE_SIDECAR: 'maybe',
          FXA_GATE_INJECT_ADMIN_PORT: 'nine',
        },
        'inject',
      ),
    ).toEqual([
      'FXA_GATE_INJECT_NATIVE_SIDECAR: expected true or false',
      'FXA_GATE_INJECT_ADMIN_PORT: expected a number',
    ])
  })

  it('warns about FXA_GATE_* variables nobody reads, with the closest key, whether or not it loads', () => {
    const ok = loadInjectorConfig({ FXA_GATE_INJECT_IMAG: IMAGE, FXA_GATE_CLIENT_ID: 'a gate key' }, 'inject')
    expect(ok.ok).toBe(true)
    expect(ok.warnings).toEqual([
      expect.objectContaining({ variable: 'FXA_GATE_INJECT_IMAG', suggestion: 'FXA_GATE_INJECT_IMAGE' }),
    ])
    const refused = loadInjectorConfig({ FXA_GATE_INJECT_IMAG: IMAGE, ...FILES }, 'webhook')
    expect(refused.ok).toBe(false)
    expect(refused.warnings.map((w) => w.suggestion)).toEqual(['FXA_GATE_INJECT_IMAGE'])
  })

  it('refuses a listen port above 65535 as a configuration problem, like the gate', () => {
    expect(problems({ FXA_GATE_WEBHOOK_LISTEN: '0.0.0.0:99999' }, 'inject')).toEqual([
      'FXA_GATE_WEBHOOK_LISTEN: port out of range',
    ])
  })
})
