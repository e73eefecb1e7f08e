import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CONFIG_KEYS, envName } from '../../src/config/schema.ts'
import {
  chartKeys,
  DEDICATED_SECRET_KEYS,
  renderConfigKeysTemplate,
  renderValuesSchema,
  renderValuesYaml,
  secretDataKey,
} from './chart-config.ts'
import { find, gateDeployment } from './pods.ts'
import { CHART, ensureChartTools, render } from './tools.ts'

beforeAll(ensureChartTools)

const REGENERATE = 'out of date with src/config/schema.ts: run `make chart-values`'
const read = (file: string) => readFileSync(join(CHART, file), 'utf8')
const values = () => parse(read('values.yaml')) as Record<string, Record<string, unknown>>

// The schema is read now, not copied: a key added to the application must show up in the chart.
const schemaKeys = Object.keys(CONFIG_KEYS)
const isSecret = (name: string) =>
  (CONFIG_KEYS as Record<string, { secret?: boolean }>)[name]?.secret === true
// The Redis TLS material comes from Secrets of its own (redisTls), never from `secrets:`.
const secretKeys = schemaKeys.filter((name) => isSecret(name) && !DEDICATED_SECRET_KEYS.includes(name))
const plainKeys = schemaKeys.filter((name) => !isSecret(name))

describe('the chart and the configuration schema (src/config/schema.ts)', () => {
  it('mounts from Secrets of their own only secret keys the schema has', () => {
    for (const name of DEDICATED_SECRET_KEYS) expect(isSecret(name), name).toBe(true)
  })

  it('values.yaml has exactly the non-secret keys under config and the secret keys under secrets', () => {
    expect(Object.keys(values()['config'] ?? {}).sort(), REGENERATE).toEqual([...plainKeys].sort())
    expect(Object.keys(values()['secrets'] ?? {}).sort(), REGENERATE).toEqual([...secretKeys].sort())
    expect(Object.keys(values()['existingSecretKeys'] ?? {}).sort(), REGENERATE).toEqual(
      [...secretKeys].sort(),
    )
  })

  it("values.yaml's config defaults are the schema's defaults", () => {
    const config = values()['config'] ?? {}
    for (const key of chartKeys().filter((k) => !k.secret)) {
      expect(config[key.name], `config.${key.name}: ${REGENERATE}`).toEqual(key.chartDefault)
    }
  })

  it('the generated blocks of values.yaml, values.schema.json and _config-keys.tpl are fresh', () => {
    expect(read('values.yaml'), REGENERATE).toBe(renderValuesYaml(read('values.yaml')))
    expect(read('values.schema.json'), REGENERATE).toBe(renderValuesSchema(read('values.schema.json')))
    expect(read('templates/_config-keys.tpl'), REGENERATE).toBe(renderConfigKeysTemplate())
  })

  it("documents each config key with the schema's doc and its environment variable", () => {
    const text = read('values.yaml')
    for (const key of chartKeys()) {
      expect(text, key.name).toContain(`# -- ${key.doc.replace(/\.$/, '')}.`)
      expect(text, key.name).toContain(key.env)
    }
  })

  it('turns every config key that has a value into FXA_GATE_<KEY> in the ConfigMap, and nothing else', () => {
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/default-values.yaml'] })
    const data = find(objects, 'ConfigMap')?.data as Record<string, string>
    const scenario = parse(read('ci/default-values.yaml')) as { config: Record<string, unknown> }
    const config = { ...values()['config'], ...scenario.config }
    const unset = (value: unknown) =>
      value === '' || value === null || (Array.isArray(value) && value.length === 0)
    const expected = plainKeys.filter((name) => !unset(config[name])).map(envName)
    expect(Object.keys(data).sort()).toEqual(expected.sort())
  })

  it('passes every secret key as FXA_GATE_<KEY>_FILE from the Secret key the docs name', () => {
    const setJson = secretKeys.map((name) =>
      (CONFIG_KEYS as Record<string, { kind: string }>)[name]?.kind === 'list'
        ? `secrets.${name}=["s-0123456789abcdef0123456789abcdef"]`
        : `secrets.${name}="s"`,
    )
    const objects = render({ valuesFiles: ['charts/fxa-gate/ci/default-values.yaml'], setJson })
    expect(Object.keys(find(objects, 'Secret')?.data ?? {}).sort()).toEqual(
      secretKeys.map(secretDataKey).sort(),
    )
    const container = gateDeployment(objects).spec.template.spec.containers[0]
    const files = (container.env as { name: string; value: string }[]).filter((e) => e.name.endsWith('_FILE'))
    expect(files).toEqual(
      expect.arrayContaining(
        secretKeys.map((name) => ({
          name: `${envName(name)}_FILE`,
          value: `/var/run/secrets/fxa-gate/${secretDataKey(name)}`,
        })),
      ),
    )
    expect(files).toHaveLength(secretKeys.length)
  })
})
