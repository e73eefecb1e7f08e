import { createRequire } from 'node:module'
import { type Config, deriveConfig } from './derive.ts'
import { type ConfigProblem, describeIssue } from './issues.ts'
import { CONFIG_KEYS, type ConfigKey, configSchema, envName, type KeyDefinition } from './schema.ts'
import { type EnvWarning, unknownVariables } from './unknown-env.ts'

export type { ConfigProblem } from './issues.ts'
export type { EnvWarning } from './unknown-env.ts'

/**
 * The frozen configuration, or every problem at once. Either way, `warnings` names the FXA_GATE_*
 * variables nothing reads (typos), which often explain a problem ("is required").
 */
export type ConfigResult =
  | { ok: true; config: Config; warnings: EnvWarning[] }
  | { ok: false; problems: ConfigProblem[]; warnings: EnvWarning[] }

/** Where configuration comes from. Reading files is the caller's business: parsing does no I/O. */
export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Text of the YAML file given with `--config`, if any. */
  readonly yaml?: string
  /** Reads the file named by a `…_FILE` variable. */
  readonly readFile: (path: string) => string
}

const KEY_NAMES = Object.keys(CONFIG_KEYS) as ConfigKey[]

function problem(name: string, message: string): ConfigProblem {
  return { key: name, env: envName(name), message }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

/** Reads one environment value as its key's kind says (lists split, booleans and numbers parsed). */
export function fromEnvString(def: KeyDefinition, value: string): unknown {
  switch (def.kind) {
    case 'list':
      return value
        .split(/[,\s]+/)
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    case 'bool':
      return (
        (
          { true: true, '1': true, yes: true, false: false, '0': false, no: false } as Record<string, boolean>
        )[value.trim().toLowerCase()] ?? value
      )
    case 'int':
      return /^-?\d+$/.test(value.trim()) ? Number(value) : value
    case 'structured':
      return parseYaml(value)
    default:
      return value
  }
}

/**
 * YAML is read only from a --config file or a structured value: loaded on first use, so a gate
 * configured by plain environment variables never loads the parser (72 modules).
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return yaml.parse(text)
}

function readYaml(text: string, problems: ConfigProblem[]): Record<string, unknown> {
  try {
    const doc: unknown = parseYaml(text)
    if (doc === null || doc === undefined) return {}
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push({ key: '(file)', env: '--config', message: 'the configuration file must hold a mapping' })
      return {}
    }
    return doc as Record<string, unknown>
  } catch (error) {
    problems.push({ key: '(file)', env: '--config', message: `not valid YAML: ${(error as Error).message}` })
    return {}
  }
}

/** Merges defaults, the YAML file and the environment (highest), then validates everything at once. */
export function loadConfig(sources: ConfigSources): ConfigResult {
  const problems: ConfigProblem[] = []
  const warnings = unknownVariables(sources.env)
  const merged: Record<string, unknown> = sources.yaml === undefined ? {} : readYaml(sources.yaml, problems)

  for (const name of KEY_NAMES) {
    const def: KeyDefinition = CONFIG_KEYS[name]
    const env = envName(name)
    const direct = nonEmpty(sources.env[env])
    const filePath = def.secret ? nonEmpty(sources.env[`${env}_FILE`]) : undefined
    if (direct !== undefined && filePath !== undefined) {
      problems.push(problem(name, `set either ${env} or ${env}_FILE, not both`))
      continue
    }
    let text = direct
    if (filePath !== undefined) {
      try {
        text = sources.readFile(filePath).replace(/\r?\n$/, '')
      } catch (error) {
        problems.push(
          problem(name, `cannot read ${env}_FILE: ${(error as NodeJS.ErrnoException).code ?? 'error'}`),
        )
        continue
      }
    }
    if (text !== undefined && text !== '') merged[name] = fromEnvString(def, text)
  }

  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...describeIssue(issue, merged))
    return { ok: false, problems, warnings }
  }
  const derived = deriveConfig(parsed.data)
  problems.push(...derived.problems.map((p) => problem(p.key, p.message)))
  if (problems.length > 0) return { ok: false, problems, warnings }
  return { ok: true, config: derived.config, warnings }
}

/** One line per problem, naming the key and its environment variable. Never prints values. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  ${p.env} (${p.path ?? p.key}): ${p.message}`).join('\n')
}
