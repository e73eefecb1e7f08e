/**
 * The chart's view of the application's configuration schema. The `config:`, `secrets:` and
 * `existingSecretKeys:` sections of values.yaml and their parts of values.schema.json are generated from
 * `src/config/schema.ts` here (`make chart-values`), and the tests compare the files with a fresh render,
 * so a key added to the application cannot be missing from the chart, nor the other way round.
 *
 * Runs under vitest and under plain `node` (type stripping), so it imports only relative .ts files.
 */
import { stringify } from 'yaml'
import { CONFIG_KEYS, envName, type KeyDefinition, type KeyKind } from '../../src/config/schema.ts'

export interface ChartKey {
  readonly name: string
  readonly kind: KeyKind
  readonly doc: string
  readonly env: string
  readonly secret: boolean
  /** Neither a default nor optional: the application refuses to start without it. */
  readonly required: boolean
  /** The value in values.yaml: the schema's default, or the kind's "unset" value. */
  readonly chartDefault: unknown
  /** Allowed values, when the schema is an enum. */
  readonly choices: readonly string[] | undefined
}

interface ZodDefLike {
  type: string
  defaultValue?: unknown
  innerType?: { _zod: { def: ZodDefLike } }
  entries?: Record<string, string>
}

function unsetValue(kind: KeyKind): unknown {
  if (kind === 'list') return []
  if (kind === 'structured') return null
  return ''
}

function describeKey(name: string, def: KeyDefinition): ChartKey {
  const zdef = (def.schema as unknown as { _zod: { def: ZodDefLike } })._zod.def
  const hasDefault = zdef.type === 'default' || zdef.type === 'prefault'
  const optional = zdef.type === 'optional'
  const inner = hasDefault || optional ? zdef.innerType?._zod.def : zdef
  return {
    name,
    kind: def.kind,
    doc: def.doc.replace(/\.$/, ''),
    env: envName(name),
    secret: def.secret === true,
    required: !hasDefault && !optional,
    chartDefault: hasDefault ? zdef.defaultValue : unsetValue(def.kind),
    choices: inner?.type === 'enum' && inner.entries ? Object.values(inner.entries) : undefined,
  }
}

/**
 * Secret keys the chart mounts from Secrets of their own (`redisTls`: certificates usually come from
 * cert-manager as kubernetes.io/tls Secrets), so they have no entry under `secrets:`.
 */
export const DEDICATED_SECRET_KEYS: readonly string[] = ['redisCaCert', 'redisClientCert', 'redisClientKey']

/**
 * Keys the chart itself builds on (ports, probes, routes, NOTES): with existingConfigMap they are still
 * taken from the values and passed as environment variables, which win over the ConfigMap.
 */
export const CHART_OWNED_KEYS: readonly string[] = ['publicUrl', 'listen', 'adminListen', 'prefix']

/** Every key of the application's configuration that values.yaml holds, in the schema's order. */
export function chartKeys(): ChartKey[] {
  return Object.entries(CONFIG_KEYS)
    .filter(([name]) => !DEDICATED_SECRET_KEYS.includes(name))
    .map(([name, def]) => describeKey(name, def as KeyDefinition))
}

/** The key of the chart-created Secret (and the default key of existingSecret) for a secret key. */
export function secretDataKey(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

function scalar(value: unknown): string {
  return stringify(value).trimEnd()
}

function yamlValue(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
    return `[${value.map(scalar).join(', ')}]`
  }
  if (value === null) return 'null'
  if (typeof value === 'object') return JSON.stringify(value)
  return scalar(value)
}

export const BEGIN =
  '# BEGIN generated from src/config/schema.ts by `make chart-values`: edit the schema, not this block'
export const END = '# END generated'

function keyBlock(key: ChartKey, value: unknown, doc: string): string[] {
  return [`  # -- ${doc}`, `  ${key.name}: ${yamlValue(value)}`]
}

/** The generated part of the `config:` section (non-secret keys), indented under `config:`. */
export function configBlock(keys: readonly ChartKey[] = chartKeys()): string {
  const lines = [`  ${BEGIN}`]
  for (const key of keys.filter((k) => !k.secret)) {
    const notes = [key.required ? 'Required.' : '', `Env: ${key.env}.`].filter(Boolean).join(' ')
    lines.push(...keyBlock(key, key.chartDefault, `${key.doc}. ${notes}`))
  }
  lines.push(`  ${END}`)
  return lines.join('\n')
}

/** The generated part of the `secrets:` section: each secret key, empty. */
export function secretsBlock(keys: readonly ChartKey[] = chartKeys()): string {
  const lines = [`  ${BEGIN}`]
  for (const key of keys.filter((k) => k.secret)) {
    const notes = [
      key.required ? 'Required unless existingSecret is set.' : '',
      `Passed as the file ${key.env}_FILE.`,
    ].filter(Boolean)
    lines.push(...keyBlock(key, unsetValue(key.kind), `${key.doc}. ${notes.join(' ')}`))
  }
  lines.push(`  ${END}`)
  return lines.join('\n')
}

/**
 * The key of existingSecret holding a secret key, by default: required secrets have one; optional ones
 * are opted into, so that a secret key added to the application never breaks an existing install.
 */
export function defaultExistingSecretKey(key: ChartKey): string {
  return key.required ? secretDataKey(key.name) : ''
}

/** The generated part of `existingSecretKeys:`: the key of existingSecret that holds each secret. */
export function existingSecretKeysBlock(keys: readonly ChartKey[] = chartKeys()): string {
  const lines = [`  ${BEGIN}`]
  for (const key of keys.filter((k) => k.secret)) {
    const doc = key.required
      ? `Key of existingSecret holding ${key.name} (required)`
      : `Key of existingSecret holding ${key.name}, e.g. ${secretDataKey(key.name)}; "" = the Secret does not hold it`
    lines.push(...keyBlock(key, defaultExistingSecretKey(key), doc))
  }
  lines.push(`  ${END}`)
  return lines.join('\n')
}

/**
 * templates/_config-keys.tpl: what the templates must know about the keys beyond their values. Structured
 * keys (YAML in values) are passed as JSON; list keys are joined with commas.
 */
export function renderConfigKeysTemplate(_current = '', keys: readonly ChartKey[] = chartKeys()): string {
  const structured = keys.filter((k) => k.kind === 'structured' && !k.secret).map((k) => k.name)
  const defaults = Object.fromEntries(keys.filter((k) => !k.secret).map((k) => [k.name, k.chartDefault]))
  return [
    '{{- /* Generated from src/config/schema.ts by `make chart-values`: do not edit. */ -}}',
    '',
    '{{- /* The configuration keys whose values are YAML structures, passed to fxa-gate as JSON. */ -}}',
    '{{- define "fxa-gate.structuredConfigKeys" -}}',
    structured.join(' '),
    '{{- end }}',
    '',
    '{{- /* The values.yaml default of each config key (JSON), to tell a value that was set. */ -}}',
    '{{- define "fxa-gate.configDefaults" -}}',
    JSON.stringify(defaults),
    '{{- end }}',
    '',
    '{{- /* The config keys the chart builds on, passed as env when existingConfigMap is set. */ -}}',
    '{{- define "fxa-gate.chartOwnedConfigKeys" -}}',
    CHART_OWNED_KEYS.join(' '),
    '{{- end }}',
    '',
  ].join('\n')
}

const SECTIONS = { config: configBlock, secrets: secretsBlock, existingSecretKeys: existingSecretKeysBlock }

/** values.yaml with its three generated blocks replaced by a fresh render. */
export function renderValuesYaml(current: string, keys: readonly ChartKey[] = chartKeys()): string {
  let text = current
  for (const [section, block] of Object.entries(SECTIONS)) {
    const pattern = new RegExp(
      `(^${section}:\\n)  # BEGIN generated[^\\n]*\\n[\\s\\S]*?  # END generated(?=\\n)`,
      'm',
    )
    if (!pattern.test(text)) throw new Error(`values.yaml: no generated block under "${section}:"`)
    text = text.replace(pattern, (_, head: string) => head + block(keys))
  }
  return text
}

type JsonSchema = Record<string, unknown>

const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)?$'

function valueSchema(key: ChartKey): JsonSchema {
  // What the application needs but the chart does not (clientId) may come from existingConfigMap.
  if (key.required && !key.secret && !CHART_OWNED_KEYS.includes(key.name))
    return valueSchema({ ...key, required: false })
  const description = key.doc
  switch (key.kind) {
    case 'list':
      return {
        type: 'array',
        description,
        items: { type: 'string', minLength: 1 },
        ...(key.required ? { minItems: 1 } : {}),
      }
    case 'bool':
      return { type: 'boolean', description }
    case 'int':
      return { type: key.required ? 'integer' : ['integer', 'string'], description }
    case 'duration':
      return {
        description,
        anyOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', pattern: key.required ? DURATION_PATTERN : `${DURATION_PATTERN}|^$` },
        ],
      }
    case 'structured':
      return { type: ['object', 'array', 'null'], description }
    default:
      if (key.choices) {
        const unset = key.chartDefault === '' && !key.choices.includes('') ? [''] : []
        return { type: 'string', description, enum: [...unset, ...key.choices] }
      }
      return { type: 'string', description, ...(key.required ? { minLength: 1 } : {}) }
  }
}

/** values.schema.json with the properties of the three generated sections replaced by a fresh render. */
export function renderValuesSchema(current: string, keys: readonly ChartKey[] = chartKeys()): string {
  const schema = JSON.parse(current) as { properties: Record<string, JsonSchema> }
  const plain = keys.filter((k) => !k.secret)
  const secret = keys.filter((k) => k.secret)
  schema.properties['config'] = {
    ...schema.properties['config'],
    type: 'object',
    additionalProperties: false,
    required: plain.filter((k) => k.required).map((k) => k.name),
    properties: Object.fromEntries(plain.map((k) => [k.name, valueSchema(k)])),
  }
  schema.properties['secrets'] = {
    ...schema.properties['secrets'],
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(secret.map((k) => [k.name, valueSchema({ ...k, required: false })])),
  }
  // Required keys that existingConfigMap may provide: non-empty unless existingConfigMap is set.
  const fromConfigMap = plain.filter((k) => k.required && !CHART_OWNED_KEYS.includes(k.name))
  const unset = {
    anyOf: [
      { not: { required: ['existingConfigMap'] } },
      { properties: { existingConfigMap: { const: '' } } },
    ],
  }
  const minimum = Object.fromEntries(
    fromConfigMap.map((k) => [k.name, k.kind === 'list' ? { minItems: 1 } : { minLength: 1 }]),
  )
  // JSON Schema's if/then, built from entries: a literal `then` member would make the object a thenable.
  ;(schema as JsonSchema)['allOf'] = [
    Object.fromEntries([
      ['if', unset],
      ['then', { properties: { config: { properties: minimum } } }],
    ]),
  ]
  schema.properties['existingSecretKeys'] = {
    ...schema.properties['existingSecretKeys'],
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(
      secret.map((k) => [k.name, { type: 'string', description: `Key of existingSecret holding ${k.name}` }]),
    ),
  }
  return `${JSON.stringify(schema, null, 2)}\n`
}
