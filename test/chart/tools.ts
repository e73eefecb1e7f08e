/**
 * The real tools behind the chart tests: helm (built with `go install`) and the kubernetes-models schema
 * validators, both installed into .tools/ by `make -f mk/chart.mk chart-tools`, which is idempotent.
 * Runs under vitest and under plain `node` (render-deploy.ts), so it imports no test framework.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseDocument } from 'yaml'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const CHART = join(ROOT, 'charts/fxa-gate')
export const TOOLS = join(ROOT, '.tools')
export const HELM = join(TOOLS, 'bin/helm')
/** One folder per content of the lock files (as in mk/chart.mk): checkouts share .tools. */
const K8S_MODELS_HASH = createHash('sha256')
  .update(readFileSync(join(ROOT, 'test/chart/k8s-models/package.json')))
  .update(readFileSync(join(ROOT, 'test/chart/k8s-models/package-lock.json')))
  .digest('hex')
  .slice(0, 16)
export const K8S_MODELS = join(TOOLS, `k8s-models-${K8S_MODELS_HASH}/node_modules`)
/**
 * The Kubernetes version the chart is rendered for in tests and in deploy/: the API version of the
 * kubernetes-models schemas that validate the output (resource.k8s.io/v1 is there: 1.34).
 */
export const KUBE_VERSION = '1.34.0'

/** Installs helm and the validators when missing; parallel test files wait on one lock. */
export function ensureChartTools(): void {
  mkdirSync(TOOLS, { recursive: true })
  const path = `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`
  execFileSync(
    'flock',
    [join(TOOLS, '.chart-tools.lock'), 'make', '-s', '-f', 'mk/chart.mk', 'chart-tools'],
    {
      cwd: ROOT,
      env: { ...process.env, PATH: path },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
}

export class HelmError extends Error {
  readonly stderr: string
  constructor(args: readonly string[], stderr: string) {
    super(`helm ${args.join(' ')} failed:\n${stderr}`)
    this.stderr = stderr
  }
}

/** Runs helm; throws HelmError with its stderr when it fails. */
export function helm(args: readonly string[]): string {
  try {
    return execFileSync(HELM, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    const failure = error as { stderr?: string; message: string }
    throw new HelmError(args, failure.stderr || failure.message)
  }
}

/** The scenario values files under the chart's ci/ folder. */
export function scenarios(): string[] {
  return readdirSync(join(CHART, 'ci'))
    .filter((name) => name.endsWith('-values.yaml'))
    .sort()
}

export interface RenderOptions {
  /** Values files, relative to the repository. */
  readonly valuesFiles?: readonly string[]
  /** `--set-json` assignments, e.g. `config.logLevel="debug"`. */
  readonly setJson?: readonly string[]
  readonly release?: string
  readonly namespace?: string
}

export function templateArgs(options: RenderOptions = {}): string[] {
  return [
    'template',
    options.release ?? 'fxa-gate',
    'charts/fxa-gate',
    '--namespace',
    options.namespace ?? 'fxa-gate',
    '--kube-version',
    KUBE_VERSION,
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.setJson ?? []).flatMap((assignment) => ['--set-json', assignment]),
  ]
}

export interface Rendered {
  /** The template that produced the object, e.g. `templates/deployment.yaml`. */
  readonly source: string
  readonly object: K8sObject
}

export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
  }
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked by the schema validators
  spec?: any
  // biome-ignore lint/suspicious/noExplicitAny: as above
  [field: string]: any
}

/** Splits helm's output into objects, each with the template it came from. */
export function parseManifests(text: string): Rendered[] {
  return text.split(/^---\s*$/m).flatMap((chunk) => {
    const doc = parseDocument(chunk)
    if (doc.errors.length > 0)
      throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}\n${chunk}`)
    const object = doc.toJS() as K8sObject | null
    if (object === null) return []
    const source = /^# Source: fxa-gate\/(\S+)/m.exec(chunk)?.[1] ?? '(unknown)'
    return [{ source, object }]
  })
}

export function render(options: RenderOptions = {}): Rendered[] {
  return parseManifests(helm(templateArgs(options)))
}

/** The stderr of a helm run that must fail; throws when it succeeds. */
export function catchHelm(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof HelmError) return error.stderr
    throw error
  }
  throw new Error('helm succeeded where it should have failed')
}
