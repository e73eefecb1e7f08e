import { readFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { ROOT as root, runBinary as run, startBinary } from '../support/binary.ts'
import { freePort } from '../support/ports.ts'

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

  it('refuses an unknown command with exit code 2 and the usage, before reading any configuration', async () => {
    for (const env of [GOOD, {}]) {
      const { code, stderr } = await run(['frobnicate'], env)
      expect(code).toBe(2)
      expect(stderr).toContain("unknown command 'frobnicate'")
      expect(stderr).toMatch(/Usage: fxa-gate/)
      expect(stderr).toContain('check-config')
      expect(stderr).not.toContain('FXA_GATE_CLIENT_ID')
    }
    const typo = await run(['chek-config'], GOOD)
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('Did you mean check-config?')
    const sub = await run(['sessions', 'revok', '--user', 'u'], GOOD)
    expect(sub.code).toBe(2)
    expect(sub.stderr).toContain("unknown command 'revok'")
  })

  it('prints its version with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await run([flag], {})
      expect(code).toBe(0)
      expect(stdout.trim()).toBe(version)
    }
  })

  it('explains each command with help <command>, and lists them all with --help', async () => {
    const all = await run(['--help'], {})
    expect(all.code).toBe(0)
    for (const command of ['serve', 'check-config', 'sessions', 'inject', 'webhook', 'help'])
      expect(all.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    const webhook = await run(['help', 'webhook'], {})
    expect(webhook.code).toBe(0)
    expect(webhook.stdout).toMatch(/Usage: fxa-gate webhook/)
    expect(webhook.stdout).toContain('FXA_GATE_WEBHOOK_*')
    const check = await run(['help', 'check-config'], {})
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/Usage: fxa-gate check-config/)
    expect(check.stdout).toContain('--config')
    const sessions = await run(['help', 'sessions'], {})
    expect(sessions.stdout).toMatch(/revoke/)
    const revoke = await run(['sessions', 'help', 'revoke'], {})
    expect(revoke.code).toBe(0)
    expect(revoke.stdout).toMatch(/Usage: fxa-gate sessions revoke/)
    expect(revoke.stdout).toContain('--user')
  })

  it('warns about unknown FXA_GATE_* variables, naming the closest key', async () => {
    const ok = await run(['check-config'], { ...GOOD, FXA_GATE_COOKIE_SECRET: 'x', FXA_GATE_ZZZZ_QQQQ: 'y' })
    expect(ok.code).toBe(0)
    expect(ok.stderr).toContain('unknown environment variable FXA_GATE_COOKIE_SECRET')
    expect(ok.stderr).toContain('did you mean FXA_GATE_COOKIE_SECRETS?')
    expect(ok.stderr).toContain('unknown environment variable FXA_GATE_ZZZZ_QQQQ')
    expect(ok.stderr).not.toMatch(/FXA_GATE_ZZZZ_QQQQ[^\n]*did you mean/)
    // A typo that hides a required key: the warning explains the problem.
    const { FXA_GATE_CLIENT_ID: _, ...withoutClient } = GOOD
    const bad = await run(['serve'], { ...withoutClient, FXA_GATE_CLIENTID: 'abc' })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('FXA_GATE_CLIENT_ID (clientId): is required')
    expect(bad.stderr).toContain('did you mean FXA_GATE_CLIENT_ID?')
  })

  it('warns about unknown variables at the start of serve, in its JSON log', async () => {
    const [port, adminPort] = [await freePort(), await freePort()]
    const { child, output } = startBinary(['serve'], {
      ...GOOD,
      FXA_GATE_LISTEN: `127.0.0.1:${port}`,
      FXA_GATE_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
      FXA_GATE_SESION_IDLE_TTL: '1h',
    })
    try {
      const deadline = Date.now() + 15_000
      while (
        !output().includes('FXA_GATE_SESION_IDLE_TTL') &&
        Date.now() < deadline &&
        child.exitCode === null
      )
        await sleep(50)
      const line = output()
        .split('\n')
        .find((l) => l.includes('FXA_GATE_SESION_IDLE_TTL'))
      expect(line, output()).toBeDefined()
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: 'warn',
        variable: 'FXA_GATE_SESION_IDLE_TTL',
        suggestion: 'FXA_GATE_SESSION_IDLE_TTL',
      })
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('names the path of a bad rule and suggests the key a typo meant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-cli-'))
    await writeFile(
      join(dir, 'rules.yaml'),
      [
        'rules:',
        '  - paths: ["/a/*"]',
        '  - paths: ["/b/*"]',
        '  - paths: ["admin"]',
        '  - paths: ["/c/*"]',
        '    acess: public',
        '    minAal: two',
        '',
      ].join('\n'),
    )
    const { code, stderr } = await run(['check-config', '--config', join(dir, 'rules.yaml')], GOOD)
    expect(code).toBe(2)
    expect(stderr).toMatch(/FXA_GATE_RULES \(rules\[2\]\.paths\[0\]\): expected a path like/)
    expect(stderr).toMatch(/rules\[3\][^\n]*unknown key "acess" \(did you mean "access"\?\)/)
    expect(stderr).toMatch(/rules\[3\]\.minAal\)/)
    const env = await run(['check-config'], { ...GOOD, FXA_GATE_RULES: '[{paths: [/x], methds: [GET]}]' })
    expect(env.code).toBe(2)
    expect(env.stderr).toMatch(/FXA_GATE_RULES \(rules\[0\]\)[^\n]*"methds" \(did you mean "methods"\?\)/)
  })

  it('says "expected true or false" for a bad boolean, not "is required"', async () => {
    const { code, stderr } = await run(['check-config'], { ...GOOD, FXA_GATE_COOKIE_SECURE: 'maybe' })
    expect(code).toBe(2)
    expect(stderr).toContain('FXA_GATE_COOKIE_SECURE (cookieSecure): expected true or false')
    expect(stderr).not.toMatch(/COOKIE_SECURE[^\n]*is required/)
    expect(stderr).not.toContain('maybe')
  })

  it('suggests the key a typo in the YAML file meant', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-cli-'))
    await writeFile(join(dir, 'typo.yaml'), 'clientld: abc\n')
    const { code, stderr } = await run(['check-config', '--config', join(dir, 'typo.yaml')], GOOD)
    expect(code).toBe(2)
    expect(stderr).toContain('unknown configuration key "clientld" (did you mean "clientId"?)')
  })
})
