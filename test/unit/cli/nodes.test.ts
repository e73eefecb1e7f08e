import { describe, expect, it } from 'vitest'
import { runCli } from '../../../src/cli/program.ts'
import type { CliContext } from '../../../src/cli/types.ts'

const BASE = {
  FXA_GATE_CLIENT_ID: 'abc',
  FXA_GATE_PUBLIC_URL: 'https://auth.example.com',
  FXA_GATE_COOKIE_SECRETS: 'x'.repeat(32),
  FXA_GATE_SERVICES: JSON.stringify([{ name: 'sync', audience: 'sync' }]),
}

async function run(args: string[], env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' }
  const ctx: Omit<CliContext, 'exit'> = {
    env: { ...BASE, ...env },
    stdin: (async function* () {})(),
    stdout: {
      write: (text) => {
        out.stdout += text
      },
    },
    stderr: {
      write: (text) => {
        out.stderr += text
      },
    },
    readFile: () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' })
    },
    version: '0.0.0-test',
    onSignal: () => {},
  }
  const code = await runCli(args, ctx)
  return { code, ...out }
}

// A Redis URL nothing listens on: every refusal below happens before any connection.
const REDIS = { FXA_GATE_REDIS_URL: 'redis://127.0.0.1:1' }

describe('fxa-gate nodes', () => {
  it('lists its actions in help', async () => {
    const { code, stdout } = await run(['help', 'nodes'])
    expect(code).toBe(0)
    for (const action of ['list', 'add', 'remove', 'down', 'up', 'capacity']) expect(stdout).toContain(action)
  })

  it('needs Redis: nodes live there', async () => {
    const { code, stderr } = await run(['nodes', 'list', '--service', 'sync'])
    expect(code).toBe(2)
    expect(stderr).toContain('FXA_GATE_REDIS_URL')
  })

  it('refuses an unknown service, naming the known ones', async () => {
    const { code, stderr } = await run(['nodes', 'list', '--service', 'nope'], REDIS)
    expect(code).toBe(2)
    expect(stderr).toContain('unknown service "nope" (services: sync)')
  })

  it('refuses a node that is no http(s) URL, and a capacity that is no whole number', async () => {
    for (const url of [
      'ftp://n.example.com',
      'not a url',
      'https://n.example.com/?q',
      'https://u:p@n.example.com',
    ]) {
      const { code, stderr } = await run(['nodes', 'down', '--service', 'sync', '--node', url], REDIS)
      expect(code, url).toBe(2)
      expect(stderr).toContain('--node')
    }
    for (const capacity of ['0', '-1', '1.5', 'ten', '10000001', '']) {
      const args = [
        'nodes',
        'add',
        '--service',
        'sync',
        '--node',
        'https://n.example.com',
        '--capacity',
        capacity,
      ]
      const { code, stderr } = await run(args, REDIS)
      expect(code, capacity).toBe(2)
      expect(stderr).toContain('--capacity')
    }
  })

  it('requires --service, and --node (and --capacity) where the action needs them', async () => {
    expect((await run(['nodes', 'list'], REDIS)).code).toBe(2)
    expect((await run(['nodes', 'down', '--service', 'sync'], REDIS)).code).toBe(2)
    expect(
      (await run(['nodes', 'add', '--service', 'sync', '--node', 'https://n.example.com'], REDIS)).code,
    ).toBe(2)
    expect((await run(['nodes', 'shuffle', '--service', 'sync'], REDIS)).code).toBe(2)
  })
})
