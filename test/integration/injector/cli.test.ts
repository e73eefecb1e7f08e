import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { freePort } from '../../support/ports.ts'
import { type WebhookTls, webhookTls } from '../../support/webhook-tls.ts'
import { IMAGE } from '../../unit/injector/fixtures.ts'

const root = join(import.meta.dirname, '../../..')
const built = join(root, 'dist/main.js')
const entry = existsSync(built) ? built : join(root, 'src/main.ts')

function run(args: string[], env: Record<string, string>, stdin = '') {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdin.end(stdin)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr })),
  )
  return { child, done, output: () => stdout }
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop}
      annotations: {fxa-gate.io/inject: "true", fxa-gate.io/upstream-port: "8080"}
    spec:
      containers: [{name: shop, image: "shop:1", ports: [{name: http, containerPort: 8080}]}]
`

describe('the fxa-gate binary: inject and webhook', () => {
  it('inject -f - injects standard input without any gate configuration', async () => {
    const { done } = run(['inject', '-f', '-', '--image', IMAGE], {}, DEPLOYMENT)
    const { code, stdout, stderr } = await done
    expect([code, stderr]).toEqual([0, ''])
    const [deployment] = parseAllDocuments(stdout).map((d) => d.toJS())
    expect(deployment.spec.template.spec.initContainers[0].image).toBe(IMAGE)
  })

  it('inject gives broken YAML one clear line and exit code 1, never a stack trace', async () => {
    const { code, stdout, stderr } = await run(['inject', '-f', '-', '--image', IMAGE], {}, 'kind: [Pod\n')
      .done
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/^fxa-gate inject: \(stdin\):\d+:\d+: not valid YAML/)
  })

  it('webhook without its settings names each missing key and exits 2', async () => {
    const { code, stderr } = await run(['webhook'], {}).done
    expect(code).toBe(2)
    expect(stderr).toMatch(/FXA_GATE_INJECT_IMAGE/)
    expect(stderr).toMatch(/FXA_GATE_WEBHOOK_TLS_CERT_FILE/)
    expect(stderr).not.toMatch(/FXA_GATE_CLIENT_ID/)
  })

  describe('webhook as a process', () => {
    let tls: WebhookTls
    beforeAll(async () => {
      tls = await webhookTls()
    })
    afterAll(async () => {
      await tls?.cleanup()
    })

    it('starts, answers over HTTPS, and exits 0 on SIGTERM', async () => {
      const port = await freePort()
      const process_ = run(['webhook'], {
        FXA_GATE_WEBHOOK_LISTEN: `127.0.0.1:${port}`,
        FXA_GATE_WEBHOOK_TLS_CERT_FILE: tls.certFile,
        FXA_GATE_WEBHOOK_TLS_KEY_FILE: tls.keyFile,
        FXA_GATE_INJECT_IMAGE: IMAGE,
      })
      const deadline = Date.now() + 15_000
      while (!process_.output().includes('webhook started') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect(process_.output()).toContain('fxa-gate injector webhook started')
      const { request } = await import('node:https')
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/readyz', ca: tls.ca.cert }, (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        req.end()
      })
      expect(status).toBe(200)
      process_.child.kill('SIGTERM')
      expect((await process_.done).code).toBe(0)
    })
  })
})
