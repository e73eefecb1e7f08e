import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { type CommandIO, injectCommand } from '../../../src/injector/inject-command.ts'
import { IMAGE } from './fixtures.ts'

const MANIFESTS = `# Shop: application and its Service.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop # the storefront
  namespace: shop
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop}
      annotations:
        fxa-gate.io/inject: "true"
        fxa-gate.io/upstream-port: "8080"
    spec:
      containers:
        - name: shop
          image: shop:1.2.3
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {fxa-gate.io/inject: "true", fxa-gate.io/upstream-port: "3000"}
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: "report:2"}]
---
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: shop}
spec:
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain, namespace: shop}
spec:
  selector: {matchLabels: {app: plain}}
  template:
    metadata: {labels: {app: plain}}
    spec:
      containers: [{name: plain, image: "plain:1"}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  anchor: &a "1"
  alias: *a
`

async function run(
  args: { files?: string[]; image?: string; nativeSidecar?: boolean },
  stdin = '',
  env = {},
) {
  const out: string[] = []
  const err: string[] = []
  const io: CommandIO = {
    stdin: (async function* () {
      yield Buffer.from(stdin)
    })(),
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => err.push(text) },
    env: { FXA_GATE_INJECT_IMAGE: IMAGE, ...env },
    readFile: async (path) => {
      if (path === 'app.yaml') return MANIFESTS
      throw Object.assign(new Error('nope'), { code: 'ENOENT' })
    },
  }
  const code = await injectCommand(
    { files: args.files ?? ['-'], image: args.image, nativeSidecar: args.nativeSidecar },
    io,
  )
  return { code, stdout: out.join(''), stderr: err.join('') }
}

const objects = (text: string) => parseAllDocuments(text).map((doc) => doc.toJS())

describe('fxa-gate inject -f', () => {
  it('injects the annotated Deployment and CronJob and leaves every other document as it was', async () => {
    const { code, stdout, stderr } = await run({}, MANIFESTS)
    expect([code, stderr]).toEqual([0, ''])
    const [deployment, cronJob, service, plain, configMap] = objects(stdout)
    const before = objects(MANIFESTS)
    const init = deployment.spec.template.spec.initContainers
    expect(init.map((c: { name: string }) => c.name)).toEqual(['fxa-gate'])
    expect(deployment.spec.template.spec.containers[0].ports[0].name).toBe('http-app')
    expect(cronJob.spec.jobTemplate.spec.template.spec.initContainers[0].env[0].value).toBe(
      'http://127.0.0.1:3000',
    )
    expect([service, plain, configMap]).toEqual(before.slice(2))
    expect({ ...deployment, spec: { ...deployment.spec, template: null } }).toEqual({
      ...before[0],
      spec: { ...before[0].spec, template: null },
    })
  })

  it('keeps comments', async () => {
    const { stdout } = await run({}, MANIFESTS)
    expect(stdout).toContain('# Shop: application and its Service.')
    expect(stdout).toContain('# the storefront')
  })

  it('is idempotent: its output goes through unchanged', async () => {
    const once = await run({}, MANIFESTS)
    const twice = await run({}, once.stdout)
    expect(twice.stdout).toBe(once.stdout)
  })

  it('reads files, takes --image and --no-native-sidecar', async () => {
    const image = 'registry.example.com/fxa-gate@sha256:' + 'a'.repeat(64)
    const { code, stdout } = await run({ files: ['app.yaml'], image, nativeSidecar: false })
    expect(code).toBe(0)
    const [deployment] = objects(stdout)
    expect(deployment.spec.template.spec.initContainers).toBeUndefined()
    expect(deployment.spec.template.spec.containers[1]).toMatchObject({ name: 'fxa-gate', image })
  })

  it('injects the items of a v1 List and leaves kinds of other API groups alone', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        objects(MANIFESTS)[0],
        { ...objects(MANIFESTS)[0], apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' },
      ],
    }
    const { stdout } = await run({}, JSON.stringify(list))
    const [result] = objects(stdout)
    expect(result.items[0].spec.template.spec.initContainers).toHaveLength(1)
    expect(result.items[1]).toEqual(list.items[1])
  })

  it.each([
    ['an unclosed flow sequence', 'a: [1\nb: c\n', /\(stdin\):2:1: not valid YAML/],
    ['a tab indentation', 'a:\n\tb: c\n', /not valid YAML/],
    ['a duplicate key', 'a: 1\na: 2\n', /not valid YAML/],
    [
      'an alias bomb',
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      /alias|resource/i,
    ],
  ])(
    'refuses %s with a clear error, a non-zero exit and nothing on stdout',
    async (_name, input, message) => {
      const { code, stdout, stderr } = await run({}, input)
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toMatch(message)
      expect(stderr).not.toMatch(/\bat .*\.ts:\d+/)
    },
  )

  it('names the workload whose annotations cannot be honoured', async () => {
    const broken = MANIFESTS.replace('fxa-gate.io/upstream-port: "8080"', 'fxa-gate.io/upstream-port: "grpc"')
    const { code, stdout, stderr } = await run({}, broken)
    expect([code, stdout]).toEqual([1, ''])
    expect(stderr).toMatch(
      /Deployment shop\/shop: fxa-gate.io\/upstream-port: no container of the pod has a port named "grpc"/,
    )
  })

  it('refuses an annotated workload whose pod template is malformed, but leaves unannotated junk alone', async () => {
    const junk = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: nope}\n'
    expect((await run({}, junk)).code).toBe(0)
    const annotated = junk.replace(
      '{name: p}',
      '{name: p, annotations: {fxa-gate.io/inject: "true", fxa-gate.io/upstream-port: "80"}}',
    )
    const { code, stderr } = await run({}, annotated)
    expect(code).toBe(1)
    expect(stderr).toMatch(/Pod p: the pod template is not valid: spec.containers/)
  })

  it('needs -f, a readable file and a valid configuration', async () => {
    expect((await run({ files: [] })).code).toBe(2)
    expect(await run({ files: ['missing.yaml'] })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot read missing.yaml: ENOENT/),
    })
    expect(await run({}, MANIFESTS, { FXA_GATE_INJECT_ADMIN_PORT: 'lots' })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/FXA_GATE_INJECT_ADMIN_PORT/),
    })
    expect(await run({}, MANIFESTS, { FXA_GATE_INJECT_IMAGE: '' })).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no sidecar image/),
    })
  })
})
