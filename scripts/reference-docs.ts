/**
 * Renders docs/configuration.md, docs/errors.md and docs/metrics.md from their single sources of
 * truth (src/config/schema.ts, src/errors.ts, src/observability/metric-definitions.ts).
 * `node scripts/reference-docs.ts --write` updates them; test/unit/docs.test.ts fails when they drift.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { INJECTOR_KEYS } from '../src/config/injector-schema.ts'
import { CONFIG_KEYS, envName, type KeyDefinition } from '../src/config/schema.ts'
import { ERRORS, type ErrorCode, retryAfterOf } from '../src/errors.ts'
import { LOG_CODES } from '../src/observability/log-codes.ts'
import { type LabelSpec, METRICS, type MetricSpec } from '../src/observability/metric-definitions.ts'

function defaultOf(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { default?: unknown }
  if (json.default === undefined) return ''
  const value = Array.isArray(json.default) ? json.default.join(',') : String(json.default)
  return value === '' ? '(empty)' : `\`${value}\``
}

function required(schema: z.ZodType): boolean {
  return !schema.safeParse(undefined).success
}

function rows(keys: Record<string, KeyDefinition>): string[] {
  return Object.entries(keys).map(([name, def]) => {
    const flags = [required(def.schema) ? '**required**' : '', def.secret ? 'secret (`_FILE` accepted)' : '']
      .filter(Boolean)
      .join(', ')
    return `| \`${envName(name)}\` | \`${name}\` | ${defaultOf(def.schema)} | ${def.doc}${flags ? ` — ${flags}` : ''} |`
  })
}

export function renderConfiguration(): string {
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by scripts/reference-docs.ts. Do not edit by hand. -->',
    '',
    'Every key can be set as an environment variable or in the YAML file given with `--config` (the',
    'environment wins). Lists are comma- or space-separated in the environment and YAML lists in the',
    'file. Durations take `ms`, `s`, `m`, `h`, `d` (a bare number is seconds). A secret can be read from',
    'a file by setting `<NAME>_FILE` to its path instead. Every problem is reported at start-up, by name.',
    '',
    '| environment | YAML key | default | meaning |',
    '|---|---|---|---|',
    ...rows(CONFIG_KEYS),
    '',
    '## The sidecar injector (`fxa-gate inject`, `fxa-gate webhook`)',
    '',
    'The injector is a mode of its own with a key set of its own (`src/config/injector-schema.ts`): it reads',
    'only these keys, from the environment, and none of the keys above is required for it. The gate',
    'ignores them. `fxa-gate webhook` also needs `FXA_GATE_INJECT_IMAGE` and one TLS source: the two',
    'certificate files, or `FXA_GATE_WEBHOOK_TLS_SECRET` with its namespace, configuration name and DNS',
    'names (self-bootstrapped). See docs/injector.md.',
    '',
    '| environment | key | default | meaning |',
    '|---|---|---|---|',
    ...rows(INJECTOR_KEYS),
    '',
  ].join('\n')
}

export function renderErrors(): string {
  const errorRows = Object.entries(ERRORS).map(([code, { status, message }]) => {
    const retryAfter = retryAfterOf(code as ErrorCode)
    return `| \`${code}\` | ${status} | ${retryAfter === undefined ? '' : `${retryAfter} s`} | ${message} |`
  })
  const logRows = Object.entries(LOG_CODES).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`)
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/errors.ts by scripts/reference-docs.ts. Do not edit by hand. -->',
    '',
    'fxa-gate answers every error with one of these codes: JSON',
    '`{"error": "<CODE>", "message": "…", "reference": "<request id>"}` for API clients; a browser',
    'navigation gets a page in its language that says what happened in plain words instead (never this',
    'message, which is for operators) and shows the same request id as its "Reference": see',
    '[pages.md](pages.md). The log line about the request carries the same code and the same request id',
    "(`reqId`), so a user's reference finds it.",
    '',
    'A code with a Retry-After stands for a dependency that is away or slow (Redis, FxA, the upstream,',
    'a replica that did not confirm a write): the answer carries `Retry-After`, and the failure is logged',
    'as an expected condition: no stack trace, at most one line per code per second, with `count`, the',
    'number of failures the line stands for.',
    '',
    '| code | HTTP status | Retry-After | message |',
    '|---|---|---|---|',
    ...errorRows,
    '',
    '## Codes in log lines only',
    '',
    '| code | meaning |',
    '|---|---|',
    ...logRows,
    '',
  ].join('\n')
}

function labelCell(name: string, label: LabelSpec): string {
  if (label.values.length === 0) return `\`${name}\``
  return `\`${name}\` (${label.values.map((value) => `\`${value}\``).join(', ')}${label.open ? ', …' : ''})`
}

export function renderMetrics(): string {
  const rows = Object.entries(METRICS as Record<string, MetricSpec>).map(([name, spec]) => {
    const labels = Object.entries(spec.labels ?? {})
      .map(([label, values]) => labelCell(label, values))
      .join('<br>')
    return `| \`${name}\` | ${spec.type} | ${labels} | ${spec.help} |`
  })
  return [
    '# Metrics reference',
    '',
    '<!-- Generated from src/observability/metric-definitions.ts by scripts/reference-docs.ts. Do not edit by hand. -->',
    '',
    '`GET /metrics` on the admin listener (FXA_GATE_ADMIN_LISTEN, port 9180 by default) serves these in',
    "Prometheus' text format. Besides them come Node.js's default metrics under their standard names",
    '(`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`,',
    '`nodejs_heap_size_used_bytes`, `nodejs_gc_duration_seconds`, …), so stock Node.js dashboards work.',
    '',
    'Counters have every series of their listed label values from the start (value 0), so `rate()` and',
    '`increase()` see the first event; `…` marks a label whose other values appear when they occur (an',
    "error code, an upstream's status), always from a bounded set. Histograms have a series once",
    'observed. `endpoint` is one of `nginx`, `traefik`, `envoy`, `sidecar` (the transports that decide),',
    '`login`, `callback`, `logout`, `userinfo`, `events` and `other` (jwks.json, unknown paths).',
    '',
    '| metric | type | labels | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

if (process.argv.includes('--write')) {
  const docs = join(import.meta.dirname, '..', 'docs')
  writeFileSync(join(docs, 'configuration.md'), renderConfiguration())
  writeFileSync(join(docs, 'errors.md'), renderErrors())
  writeFileSync(join(docs, 'metrics.md'), renderMetrics())
}
