import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')
const built = join(root, 'dist/main.js')
/** The real binary when built (make test builds first), else the same entry point from source. */
const entry = existsSync(built) ? built : join(root, 'src/main.ts')

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

const GOOD = {
  FXA_GATE_CLIENT_ID: 'abc',
  FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
  FXA_GATE_COOKIE_SECRETS: 'k'.repeat(40),
}

describe('the fxa-gate binary', () => {
  it('names every bad key and exits non-zero, for serve and check-config alike', async () => {
    const bad = {
      FXA_GATE_ISSUER: 'ftp://nope',
      FXA_GATE_PUBLIC_URL: 'not-a-url',
      FXA_GATE_LISTEN: 'everywhere',
      FXA_GATE_COOKIE_SECRETS: 'too-short-secret-value',
      FXA_GATE_SESSION_IDLE_TTL: 'a while',
      FXA_GATE_REDIS_URL: 'http://redis:6379',
      FXA_GATE_TRUSTED_PROXIES: '10.0.0.0/99',
    }
    for (const command of [['check-config'], ['serve'], []]) {
      const { code, stderr } = await run(command, bad)
      expect(code).not.toBe(0)
      for (const key of [...Object.keys(bad), 'FXA_GATE_CLIENT_ID'])
        expect(stderr, `${command} ${key}`).toContain(key)
      expect(stderr).not.toContain('too-short-secret-value')
    }
  })

  it('check-config accepts a good configuration and exits 0', async () => {
    const { code, stdout } = await run(['check-config'], GOOD)
    expect(code).toBe(0)
    expect(stdout).toContain('configuration OK')
  })

  it('reads a YAML file given with --config and reports its problems by key', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-cli-'))
    await writeFile(
      join(dir, 'ok.yaml'),
      'clientId: from-file\npublicUrl: https://auth.example.com\nrules:\n  - paths: ["/admin/*"]\n    allowedDomains: [example.com]\n',
    )
    await writeFile(join(dir, 'bad.yaml'), 'clientId: x\nrules:\n  - paths: ["admin"]\n    acess: public\n')
    const ok = await run(['check-config', '--config', join(dir, 'ok.yaml')], {
      FXA_GATE_COOKIE_SECRETS: 'k'.repeat(40),
    })
    expect(ok.code).toBe(0)
    const bad = await run(['check-config', '--config', join(dir, 'bad.yaml')], GOOD)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('rules')
    const missing = await run(['check-config', '--config', join(dir, 'nope.yaml')], GOOD)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('nope.yaml')
  })

  it('refuses an unknown command', async () => {
    const { code, stderr } = await run(['frobnicate'], GOOD)
    expect(code).not.toBe(0)
    expect(stderr).toContain('unknown command')
  })
})
