import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { startBinary as run } from '../../support/binary.ts'
import { freePort } from '../../support/ports.ts'
import { type WebhookTls, webhookTls } from '../../support/webhook-tls.ts'
import { IMAGE } from '../../unit/injector/fixtures.ts'

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

  it('inject -f FILE… injects named files, one after the other, keeping the other documents', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fxa-gate-inject-'))
    const service =
      'apiVersion: v1\nkind: Service\nmetadata: {name: shop}  # kept\nspec: {ports: [{port: 80, targetPort: http}]}\n'
    await writeFile(join(dir, 'a.yaml'), `${DEPLOYMENT}---\n${service}`)
    await writeFile(join(dir, 'b.yaml'), DEPLOYMENT.replaceAll('shop', 'cart'))
    const { code, stdout, stderr } = await run(
      ['inject', '-f', join(dir, 'a.yaml'), join(dir, 'b.yaml'), '--image', IMAGE, '--no-native-sidecar'],
      {},
    ).done
    expect([code, stderr]).toEqual([0, ''])
    const docs = parseAllDocuments(stdout).map((d) => d.toJS())
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Deployment/shop',
      'Service/shop',
      'Deployment/cart',
    ])
    expect(docs[0].spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([
      'shop',
      'fxa-gate',
    ])
    expect(stdout).toContain('# kept')
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

  it('inject and webhook warn about mistyped variables and say what a bad value should be', async () => {
    const typo = await run(['inject', '-f', '-'], { FXA_GATE_INJECT_IMAG: IMAGE }, DEPLOYMENT).done
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain(
      'fxa-gate inject: warning: unknown environment variable FXA_GATE_INJECT_IMAG, ignored (did you mean FXA_GATE_INJECT_IMAGE?)',
    )
    expect(typo.stderr).toContain('no sidecar image')
    const bad = await run(['inject', '-f', '-', '--image', IMAGE], {
      FXA_GATE_INJECT_NATIVE_SIDECAR: 'maybe',
    }).done
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(
      'FXA_GATE_INJECT_NATIVE_SIDECAR (injectNativeSidecar): expected true or false',
    )
    expect(bad.stderr).not.toContain('maybe')
    const webhook = await run(['webhook'], { FXA_GATE_INJECT_IMAG: IMAGE }).done
    expect(webhook.code).toBe(2)
    expect(webhook.stderr).toContain('FXA_GATE_INJECT_IMAGE (injectImage): is required by the webhook')
    expect(webhook.stderr).toContain('did you mean FXA_GATE_INJECT_IMAGE?')
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
        FXA_GATE_INJECT_CPU_REQEST: '50m',
      })
      const deadline = Date.now() + 15_000
      while (!process_.output().includes('webhook started') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect(process_.output()).toContain('fxa-gate injector webhook started')
      const warning = process_
        .output()
        .split('\n')
        .find((line) => line.includes('FXA_GATE_INJECT_CPU_REQEST'))
      expect(JSON.parse(warning ?? '{}')).toMatchObject({
        level: 'warn',
        variable: 'FXA_GATE_INJECT_CPU_REQEST',
        suggestion: 'FXA_GATE_INJECT_CPU_REQUEST',
      })
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
