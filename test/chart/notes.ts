/**
 * NOTES.txt as `helm install` would print it. helm template leaves NOTES.txt out, so a copy of the chart
 * renders it as a string inside a manifest.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { CHART, helm, KUBE_VERSION } from './tools.ts'

/** Renders NOTES.txt with the values files and `--set-json` assignments, in namespace `auth`. */
export function renderNotes(
  dir: string,
  valuesFiles: readonly string[],
  setJson: readonly string[] = [],
): string {
  const chart = join(dir, 'fxa-gate')
  if (!existsSync(chart)) {
    cpSync(CHART, chart, { recursive: true })
    const notesText = readFileSync(join(chart, 'templates/NOTES.txt'), 'utf8')
    writeFileSync(join(chart, 'templates/_notes.tpl'), `{{- define "test.notes" -}}\n${notesText}{{- end }}`)
    writeFileSync(join(chart, 'templates/notes.yaml'), 'notes: {{ include "test.notes" . | toJson }}\n')
  }
  const output = helm([
    'template',
    'fxa-gate',
    chart,
    '--namespace',
    'auth',
    '--kube-version',
    KUBE_VERSION,
    '--show-only',
    'templates/notes.yaml',
    ...valuesFiles.flatMap((f) => ['--values', f]),
    ...setJson.flatMap((s) => ['--set-json', s]),
  ])
  return (parse(output) as { notes: string }).notes
}
