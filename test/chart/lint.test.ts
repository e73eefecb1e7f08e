import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHART, catchHelm, ensureChartTools, helm, KUBE_VERSION, render, scenarios } from './tools.ts'

beforeAll(ensureChartTools)

describe('helm lint', () => {
  it.each(scenarios())('passes --strict without warnings for ci/%s', (scenario) => {
    const output = helm([
      'lint',
      '--strict',
      'charts/fxa-gate',
      '--kube-version',
      KUBE_VERSION,
      '--values',
      `charts/fxa-gate/ci/${scenario}`,
    ])
    expect(output).toContain('1 chart(s) linted, 0 chart(s) failed')
    expect(output).not.toMatch(/\[(WARNING|ERROR)\]|Fail:/)
  })
})

describe('the chart as a whole', () => {
  it('has a scenario for each setup the issue names', () => {
    expect(scenarios()).toEqual(
      expect.arrayContaining([
        'default-values.yaml',
        'redis-sentinel-values.yaml',
        'hpa-pdb-values.yaml',
        'servicemonitor-values.yaml',
        'networkpolicy-values.yaml',
        'existing-secret-values.yaml',
        'chart-redis-values.yaml',
        'observability-values.yaml',
        'httproute-values.yaml',
        'existing-configmap-values.yaml',
        'extra-objects-values.yaml',
      ]),
    )
  })

  it('renders one resource per template file (extraObjects aside), and every template file in some scenario', () => {
    const templates = readdirSync(join(CHART, 'templates')).filter((f) => f.endsWith('.yaml'))
    const seen = new Map<string, number>()
    for (const scenario of scenarios()) {
      const counts = new Map<string, number>()
      for (const { source } of render({ valuesFiles: [`charts/fxa-gate/ci/${scenario}`] })) {
        counts.set(source, (counts.get(source) ?? 0) + 1)
      }
      for (const [source, count] of counts) {
        if (source !== 'templates/extra-objects.yaml') expect(count, `${source} in ${scenario}`).toBe(1)
        seen.set(source, count)
      }
    }
    expect([...seen.keys()].sort()).toEqual(templates.map((t) => `templates/${t}`).sort())
  })

  it('documents every value with a "# --" comment (on the value or on an enclosing object)', () => {
    expect(undocumentedValues(readFileSync(join(CHART, 'values.yaml'), 'utf8'))).toEqual([])
  })

  it('refuses unknown values (values.schema.json is strict), naming them', () => {
    const error = catchHelm(() =>
      render({
        valuesFiles: ['charts/fxa-gate/ci/default-values.yaml'],
        setJson: ['replicas=2', 'config.clientid="x"'],
      }),
    )
    expect(error).toMatch(/additional properties 'replicas' not allowed/)
    expect(error).toMatch(/\/config.*additional properties 'clientid' not allowed/)
  })

  it('says what is missing when installed without values', () => {
    const error = catchHelm(() => render())
    expect(error).toMatch(/config\/clientId/)
    expect(error).toMatch(/config\/publicUrl/)
    const noSecrets = catchHelm(() =>
      render({ setJson: ['config.clientId="c"', 'config.publicUrl="https://auth.example.com"'] }),
    )
    expect(noSecrets).toMatch(/secrets\.cookieSecrets is required.*existingSecret/)
  })
})

/** helm-docs' rule: each leaf value, or an object enclosing it, has a `# --` comment right above it. */
function undocumentedValues(text: string): string[] {
  const lines = text.split('\n')
  const stack: { indent: number; documented: boolean }[] = []
  const missing: string[] = []
  lines.forEach((line, index) => {
    const key = /^(\s*)([A-Za-z][\w-]*):(.*)$/.exec(line)
    if (!key) return
    const indent = (key[1] ?? '').length
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop()
    const documented = /^\s*# -- /.test(lines[index - 1] ?? '') || stack.some((parent) => parent.documented)
    const next = lines.slice(index + 1).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? ''
    const isLeaf = (key[3] ?? '').trim() !== '' || (/^(\s*)/.exec(next)?.[1] ?? '').length <= indent
    if (isLeaf && !documented) missing.push(`line ${index + 1}: ${key[2]}`)
    stack.push({ indent, documented })
  })
  return missing
}
