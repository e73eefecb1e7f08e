import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../support/ports.ts'

describe('make demo', () => {
  it('starts the fake FxA, fxa-gate and the echo app, and a login shows the identity headers', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()])
    const args = [
      '--smoke',
      '--gate-port',
      String(ports[0]),
      '--admin-port',
      String(ports[1]),
      '--fxa-port',
      String(ports[2]),
      '--app-port',
      String(ports[3]),
    ]
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../dev/demo.ts'), ...args], {
      // No FXA_GATE_REDIS_URL: the demo uses a local Redis only if one answers on 6379.
      env: { PATH: process.env['PATH'] ?? '', FXA_GATE_LOG_LEVEL: 'warn' },
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    expect(output).toContain('demo smoke: OK')
    expect(code).toBe(0)
  }, 60_000)
})
