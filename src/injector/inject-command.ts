import type { V1PodSpec } from '@kubernetes/client-node'
import { type Document, parseAllDocuments } from 'yaml'
import { loadInjectorConfig } from '../config/injector-load.ts'
import { formatProblems } from '../config/load.ts'
import { formatWarnings } from '../config/unknown-env.ts'
import { InjectionError, readInjectionRequest } from './annotations.ts'
import { planInjection } from './mutate.ts'
import { podSpecProblem } from './pod-shape.ts'
import { injectSettings } from './settings.ts'
import type { InjectSettings } from './sidecar.ts'
import { describeObject, podTemplatePath } from './workloads.ts'

export interface CommandIO {
  readonly stdin: AsyncIterable<Buffer | string>
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  readonly env: Readonly<Record<string, string | undefined>>
  readonly readFile: (path: string) => Promise<string>
}

export interface InjectArgs {
  /** Files to read, `-` for standard input. */
  readonly files: readonly string[]
  readonly image?: string | undefined
  readonly nativeSidecar?: boolean | undefined
}

/** Input larger than this is refused: manifests are kilobytes, never hundreds of megabytes. */
const MAX_INPUT = 64 * 1024 * 1024

class InputError extends Error {}

/**
 * `fxa-gate inject -f FILE|- [--image IMG]`: prints the multi-document YAML with every annotated
 * workload injected; every other document is printed as it was parsed (comments kept). Returns the
 * exit code: 0, 1 for input it cannot inject (nothing is printed then), 2 for bad arguments.
 */
export async function injectCommand(args: InjectArgs, io: CommandIO): Promise<number> {
  if (args.files.length === 0) {
    io.stderr.write('fxa-gate inject: needs -f FILE (or -f - for standard input)\n')
    return 2
  }
  const loaded = loadInjectorConfig(io.env, 'inject')
  io.stderr.write(formatWarnings(loaded.warnings, 'fxa-gate inject'))
  if (!loaded.ok) {
    io.stderr.write(`fxa-gate inject: invalid configuration:\n${formatProblems(loaded.problems)}\n`)
    return 2
  }
  const settings = injectSettings(loaded.config, { image: args.image, nativeSidecar: args.nativeSidecar })
  const outputs: string[] = []
  try {
    for (const file of args.files) {
      const text = file === '-' ? await readStdin(io.stdin) : await readNamed(file, io.readFile)
      outputs.push(injectText(text, settings, file === '-' ? '(stdin)' : file))
    }
  } catch (error) {
    if (error instanceof InputError || error instanceof InjectionError) {
      io.stderr.write(`fxa-gate inject: ${error.message}\n`)
      return 1
    }
    throw error
  }
  io.stdout.write(outputs.filter((o) => o !== '').join('---\n'))
  return 0
}

async function readNamed(file: string, readFile: CommandIO['readFile']): Promise<string> {
  try {
    return await readFile(file)
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

async function readStdin(stdin: CommandIO['stdin']): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buffer.length
    if (size > MAX_INPUT) throw new InputError(`standard input is larger than ${MAX_INPUT >> 20} MiB`)
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Injects every workload of a multi-document YAML text; throws InputError or InjectionError. */
export function injectText(text: string, settings: InjectSettings, source: string): string {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true })
  if (!Array.isArray(docs)) return ''
  for (const doc of docs) {
    const error = doc.errors[0]
    if (error !== undefined) {
      const at = error.linePos?.[0]
      throw new InputError(
        `${source}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      )
    }
  }
  return docs
    .map((doc, index) => {
      injectDocument(doc, settings, source)
      if (index > 0) doc.directives.docStart = true
      return doc.toString({ lineWidth: 0 })
    })
    .join('')
}

function injectDocument(doc: Document, settings: InjectSettings, source: string): void {
  let object: unknown
  try {
    object = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    throw new InputError(`${source}: ${(error as Error).message}`)
  }
  const o = object as { kind?: unknown; apiVersion?: unknown; items?: unknown }
  if (o?.kind === 'List' && o.apiVersion === 'v1' && Array.isArray(o.items)) {
    o.items.forEach((item, i) => {
      injectObject(doc, ['items', i], item, settings, source)
    })
    return
  }
  injectObject(doc, [], object, settings, source)
}

function injectObject(
  doc: Document,
  at: readonly (string | number)[],
  object: unknown,
  settings: InjectSettings,
  source: string,
): void {
  const path = podTemplatePath(object)
  if (path === undefined) return
  let template: unknown = object
  for (const key of path) template = (template as Record<string, unknown> | undefined)?.[key]
  const { metadata, spec } = (template ?? {}) as {
    metadata?: { annotations?: Record<string, string> }
    spec?: unknown
  }
  const annotations = stringAnnotations(metadata?.annotations)
  try {
    if (readInjectionRequest(annotations) === undefined) return
    const problem = podSpecProblem(spec)
    if (problem !== undefined) throw new InjectionError(`the pod template is not valid: ${problem}`)
    const outcome = planInjection(spec as V1PodSpec, annotations, settings)
    if (outcome.result === 'injected') doc.setIn([...at, ...path, 'spec'], doc.createNode(outcome.spec))
  } catch (error) {
    if (error instanceof InjectionError)
      throw new InjectionError(`${source}: ${describeObject(object)}: ${error.message}`)
    throw error
  }
}

function stringAnnotations(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]))
}
