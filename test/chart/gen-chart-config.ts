/**
 * `make chart-values`: rewrites the generated blocks of the chart's values.yaml and values.schema.json
 * from the application's configuration schema. Run it after adding or changing a configuration key.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderConfigKeysTemplate, renderValuesSchema, renderValuesYaml } from './chart-config.ts'

const chart = fileURLToPath(new URL('../../charts/fxa-gate/', import.meta.url))
for (const [file, render] of [
  ['values.yaml', renderValuesYaml],
  ['values.schema.json', renderValuesSchema],
  ['templates/_config-keys.tpl', renderConfigKeysTemplate],
] as const) {
  const path = chart + file
  const before = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const after = render(before)
  if (after !== before) writeFileSync(path, after)
  console.log(`${after === before ? 'unchanged' : 'updated  '} charts/fxa-gate/${file}`)
}
