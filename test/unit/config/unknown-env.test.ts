import { describe, expect, it } from 'vitest'
import { closestName } from '../../../src/config/suggest.ts'
import { unknownVariables } from '../../../src/config/unknown-env.ts'

describe('unknown FXA_GATE_* variables', () => {
  it('names each one with the variable it most likely meant', () => {
    expect(
      unknownVariables({
        FXA_GATE_CLIENTID: 'a',
        FXA_GATE_COOKIE_SECRET: 'b',
        FXA_GATE_REDIS_PASWORD_FILE: '/run/x',
        FXA_GATE_CLIENT_ID: 'known',
      }),
    ).toEqual([
      expect.objectContaining({ variable: 'FXA_GATE_CLIENTID', suggestion: 'FXA_GATE_CLIENT_ID' }),
      expect.objectContaining({ variable: 'FXA_GATE_COOKIE_SECRET', suggestion: 'FXA_GATE_COOKIE_SECRETS' }),
      expect.objectContaining({
        variable: 'FXA_GATE_REDIS_PASWORD_FILE',
        suggestion: 'FXA_GATE_REDIS_PASSWORD_FILE',
      }),
    ])
  })

  it('accepts every schema key, the _FILE form of secrets, and FXA_GATE_CONFIG; ignores other prefixes', () => {
    expect(
      unknownVariables({
        FXA_GATE_COOKIE_SECRETS_FILE: '/run/c',
        FXA_GATE_SESSION_IDLE_TTL: '1h',
        FXA_GATE_CONFIG: '/etc/fxa-gate.yaml',
        PATH: '/bin',
        FXA_GATEWAY: 'other product',
      }),
    ).toEqual([])
  })

  it("knows the injector's keys (inject, webhook): a pod may carry both sets", () => {
    expect(
      unknownVariables({
        FXA_GATE_INJECT_IMAGE: 'ghcr.io/fxa-gate/fxa-gate:0.1.0',
        FXA_GATE_WEBHOOK_LISTEN: '0.0.0.0:8443',
        FXA_GATE_WEBHOOK_TLS_CERT_FILE: '/tls/tls.crt',
        FXA_GATE_CLIENT_ID: 'abc',
      }),
    ).toEqual([])
    expect(unknownVariables({ FXA_GATE_WEBHOOK_LISTN: 'x' })).toEqual([
      expect.objectContaining({ variable: 'FXA_GATE_WEBHOOK_LISTN', suggestion: 'FXA_GATE_WEBHOOK_LISTEN' }),
    ])
  })

  it('offers no suggestion when nothing is close, and explains _FILE on a key that is not a secret', () => {
    const [file, far] = unknownVariables({ FXA_GATE_ZZZZ_QQQQ: 'x', FXA_GATE_CLIENT_ID_FILE: '/x' })
    expect(file).toMatchObject({ variable: 'FXA_GATE_CLIENT_ID_FILE', suggestion: 'FXA_GATE_CLIENT_ID' })
    expect(file?.message).toContain('not a secret')
    expect(far).toMatchObject({ variable: 'FXA_GATE_ZZZZ_QQQQ', suggestion: undefined })
    expect(far?.message).not.toContain('did you mean')
  })

  it('never puts a value in a warning', () => {
    const [warning] = unknownVariables({ FXA_GATE_COOKIE_SECRET: 'hunter2-secret-value' })
    expect(JSON.stringify(warning)).not.toContain('hunter2')
  })
})

describe('closestName', () => {
  it('matches typos of a third of the letters at most', () => {
    expect(closestName('acess', ['access', 'hosts', 'paths'])).toBe('access')
    expect(closestName('methds', ['methods', 'minAal'])).toBe('methods')
    expect(closestName('colour', ['hosts', 'paths'])).toBeUndefined()
    expect(closestName('x', [])).toBeUndefined()
  })
})
