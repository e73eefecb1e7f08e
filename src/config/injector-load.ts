import type { z } from 'zod'
import { INJECTOR_KEYS, type InjectorConfig, type InjectorKey, injectorSchema } from './injector-schema.ts'
import { issueMessage } from './issues.ts'
import { type ConfigProblem, fromEnvString } from './load.ts'
import { envName } from './schema.ts'
import { type EnvWarning, unknownVariables } from './unknown-env.ts'

/** Either way, `warnings` names the FXA_GATE_* variables that neither the injector nor the gate reads. */
export type InjectorConfigResult =
  | { ok: true; config: InjectorConfig; warnings: EnvWarning[] }
  | { ok: false; problems: ConfigProblem[]; warnings: EnvWarning[] }

const NAMES = Object.keys(INJECTOR_KEYS) as InjectorKey[]

/**
 * The injector's configuration from the environment only (it has no YAML file): every problem at once,
 * then frozen. `mode` adds the checks of `fxa-gate webhook`, which needs an image and one TLS source.
 */
export function loadInjectorConfig(
  env: Readonly<Record<string, string | undefined>>,
  mode: 'inject' | 'webhook',
): InjectorConfigResult {
  const warnings = unknownVariables(env)
  const merged: Record<string, unknown> = {}
  for (const name of NAMES) {
    const value = env[envName(name)]
    if (value !== undefined && value !== '') merged[name] = fromEnvString(INJECTOR_KEYS[name], value)
  }
  const parsed = injectorSchema.safeParse(merged)
  if (!parsed.success)
    return { ok: false, problems: parsed.error.issues.map((issue) => describe(issue, merged)), warnings }
  const config = Object.freeze(parsed.data)
  const problems = mode === 'webhook' ? webhookProblems(config) : []
  return problems.length > 0 ? { ok: false, problems, warnings } : { ok: true, config, warnings }
}

function describe(issue: z.core.$ZodIssue, input: Record<string, unknown>): ConfigProblem {
  const name = String(issue.path[0] ?? '')
  return { key: name, env: envName(name), message: issueMessage(issue, input) }
}

function problem(name: InjectorKey, message: string): ConfigProblem {
  return { key: name, env: envName(name), message }
}

/** The webhook serves TLS from files (cert-manager, your own) or from a Secret it bootstraps; never both. */
function webhookProblems(config: InjectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  if (config.injectImage === undefined) problems.push(problem('injectImage', 'is required by the webhook'))
  const files = config.webhookTlsCertFile !== undefined || config.webhookTlsKeyFile !== undefined
  const bootstrap = config.webhookTlsSecret !== undefined
  if (files && bootstrap)
    problems.push(
      problem('webhookTlsSecret', 'set either the certificate files or the bootstrap Secret, not both'),
    )
  else if (files) {
    if (config.webhookTlsCertFile === undefined)
      problems.push(problem('webhookTlsCertFile', 'is required with webhookTlsKeyFile'))
    if (config.webhookTlsKeyFile === undefined)
      problems.push(problem('webhookTlsKeyFile', 'is required with webhookTlsCertFile'))
  } else if (bootstrap) {
    if (config.webhookNamespace === undefined)
      problems.push(problem('webhookNamespace', 'is required with webhookTlsSecret'))
    if (config.webhookConfigurationName === undefined)
      problems.push(problem('webhookConfigurationName', 'is required with webhookTlsSecret'))
    if (config.webhookDnsNames.length === 0)
      problems.push(problem('webhookDnsNames', 'is required with webhookTlsSecret'))
  } else {
    problems.push(
      problem(
        'webhookTlsCertFile',
        'the webhook needs TLS: set webhookTlsCertFile and webhookTlsKeyFile, or webhookTlsSecret to bootstrap it',
      ),
    )
  }
  return problems
}
