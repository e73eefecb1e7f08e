import { INJECTOR_KEYS } from './injector-schema.ts'
import { CONFIG_KEYS, envName } from './schema.ts'
import { closestName } from './suggest.ts'

/** A FXA_GATE_* variable that no configuration key reads: most often a typo. */
export interface EnvWarning {
  readonly variable: string
  /** The variable it probably meant. */
  readonly suggestion: string | undefined
  readonly message: string
}

const PREFIX = 'FXA_GATE_'

/** FXA_GATE_* variables read outside the schema: the configuration file's path. */
const OTHER_VARIABLES = ['FXA_GATE_CONFIG']

function knownVariables(): { all: Set<string>; plain: Set<string> } {
  const all = new Set(OTHER_VARIABLES)
  const plain = new Set<string>()
  // The injector's keys are its own, but a pod may well carry both sets.
  const keys: [string, { secret?: boolean | undefined }][] = [
    ...Object.entries(CONFIG_KEYS),
    ...Object.entries(INJECTOR_KEYS),
  ]
  for (const [name, def] of keys) {
    all.add(envName(name))
    if (def.secret) all.add(`${envName(name)}_FILE`)
    else plain.add(envName(name))
  }
  return { all, plain }
}

/** Every FXA_GATE_* variable of `env` that fxa-gate does not read, with the closest one it does. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): EnvWarning[] {
  const { all, plain } = knownVariables()
  const suffixes = [...all].map((name) => name.slice(PREFIX.length))
  const warnings: EnvWarning[] = []
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(PREFIX) || all.has(variable)) continue
    const base = variable.replace(/_FILE$/, '')
    if (variable !== base && plain.has(base)) {
      warnings.push({
        variable,
        suggestion: base,
        message: `${base} is not a secret and cannot be read from a file: set ${base} itself`,
      })
      continue
    }
    const near = closestName(variable.slice(PREFIX.length), suffixes)
    const suggestion = near === undefined ? undefined : PREFIX + near
    warnings.push({
      variable,
      suggestion,
      message: `unknown environment variable ${variable}, ignored${suggestion ? ` (did you mean ${suggestion}?)` : ''}`,
    })
  }
  return warnings
}

/** The warnings as lines for a command's stderr, each after the command's name (`fxa-gate inject`). */
export function formatWarnings(warnings: readonly EnvWarning[], command = 'fxa-gate'): string {
  return warnings.map((w) => `${command}: warning: ${w.message}\n`).join('')
}
