import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT, TOOLS } from './tools.ts'

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')
const ACTIONLINT = join(TOOLS, 'bin/actionlint')

// biome-ignore lint/suspicious/noExplicitAny: workflow files, checked by actionlint
type Workflow = any
const release: Workflow = parse(read('.github/workflows/release.yaml'))
const ci: Workflow = parse(read('.github/workflows/ci.yaml'))
const pkg = JSON.parse(read('package.json')) as { version: string; license: string }
const chart = parse(read('charts/fxa-gate/Chart.yaml')) as { version: string; appVersion: string }
const values = parse(read('charts/fxa-gate/values.yaml')) as { image: { repository: string; tag: string } }

/** The steps of a job that use an action (`owner/repo@ref`), by action name without the ref. */
function uses(workflow: Workflow, job: string, action: string): { with?: Record<string, unknown> }[] {
  return workflow.jobs[job].steps.filter((s: { uses?: string }) => s.uses?.split('@')[0] === action)
}

/** actionlint on the repository's workflows, or on the files given. */
function runActionlint(files: readonly string[] = []): { status: number | null; output: string } {
  const run = spawnSync(ACTIONLINT, ['-no-color', '-oneline', ...files], { cwd: ROOT, encoding: 'utf8' })
  if (run.error) throw run.error
  return { status: run.status, output: run.stdout + run.stderr }
}

describe('the GitHub workflows', () => {
  beforeAll(() => {
    // Installs actionlint (go install, pinned in mk/release.mk) once; parallel test files wait on the lock.
    execFileSync(
      'flock',
      [join(TOOLS, '.release-tools.lock'), 'make', '-s', '-f', 'mk/release.mk', 'actionlint'],
      {
        cwd: ROOT,
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    )
  })

  it('are clean for actionlint, with shellcheck on their run: steps', () => {
    expect(spawnSync('shellcheck', ['--version']).status, 'shellcheck is installed by make system-deps').toBe(
      0,
    )
    expect(runActionlint()).toEqual({ status: 0, output: '' })
  })

  describe('actionlint itself', () => {
    let dir: string
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fxa-gate-actionlint-'))
      mkdirSync(join(dir, '.github/workflows'), { recursive: true })
      writeFileSync(
        join(dir, '.github/workflows/broken.yaml'),
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, for actionlint to flag
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo $UNQUOTED ${{ github.event.nope.body }}\n      - uses: actions/checkout@v5\n        with: {bogus: 1}\n',
      )
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('finds the mistakes of a broken workflow (expressions, inputs, shell quoting)', () => {
      const { status, output } = runActionlint([join(dir, '.github/workflows/broken.yaml')])
      expect(status).toBe(1)
      expect(output).toMatch(/input "bogus" is not defined/)
      expect(output).toMatch(/shellcheck reported issue/)
    })
  })

  it('CI runs make test on every push to main and every pull request, and can be called by the release', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call'])
    expect(ci.on.push.branches).toEqual(['main'])
    expect(ci.jobs.test.steps.map((s: { run?: string }) => s.run)).toContain('make test')
    expect(ci.permissions).toEqual({ contents: 'read' })
  })

  it('releases only on version tags, and only after the tests and the version check', () => {
    expect(release.on).toEqual({ push: { tags: ['v*.*.*'] } })
    expect(release.jobs.test.uses).toBe('./.github/workflows/ci.yaml')
    expect(release.jobs.image.needs).toEqual(['version', 'test'])
    expect(release.jobs.chart.needs).toEqual(expect.arrayContaining(['image']))
    expect(release.permissions).toEqual({ contents: 'read' })
  })

  it('builds a multi-arch image with provenance and an SBOM, and pushes it', () => {
    const [build] = uses(release, 'image', 'docker/build-push-action')
    expect(build?.with).toMatchObject({ push: true, provenance: 'mode=max', sbom: true })
    expect(String(build?.with?.['platforms']).split(',')).toEqual(['linux/amd64', 'linux/arm64'])
    expect(uses(release, 'image', 'docker/setup-qemu-action')).toHaveLength(1)
    expect(uses(release, 'image', 'actions/attest-build-provenance')).toHaveLength(1)
  })

  it("publishes the chart's default image: same repository, and the tag is the chart's appVersion", () => {
    expect(values.image.repository).toBe(release.env.IMAGE)
    expect(values.image.tag).toBe('')
    expect(chart.appVersion).toBe(pkg.version)
    expect(chart.version).toBe(pkg.version)
    const [meta] = uses(release, 'image', 'docker/metadata-action')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow's GitHub Actions expression, verbatim
    expect(meta?.with?.['images']).toBe('${{ env.IMAGE }}')
    // type=semver {{version}} turns the tag v1.2.3 into the image tag 1.2.3 (the appVersion form).
    expect(String(meta?.with?.['tags'])).toContain('type=semver,pattern={{version}}')
    for (const file of ['deploy/kubernetes/fxa-gate.yaml', 'deploy/kubernetes/sidecar-example.yaml'])
      expect(read(file), file).toContain(`image: ${release.env.IMAGE}:${chart.appVersion}`)
  })

  it('packages the chart with the helm of the tests and pushes it to the OCI registry', () => {
    expect(release.env.HELM_VERSION).toBe(/^HELM_VERSION := (\S+)$/m.exec(read('mk/chart.mk'))?.[1])
    expect(release.env.CHART_REPOSITORY).toMatch(/^oci:\/\/ghcr\.io\/fxa-gate\//)
    const runs = release.jobs.chart.steps.map((s: { run?: string }) => s.run ?? '').join('\n')
    expect(runs).toContain('helm package charts/fxa-gate')
    expect(runs).toContain('helm push "chart-package/fxa-gate-$VERSION.tgz" "$CHART_REPOSITORY"')
  })

  it('refuses a tag that disagrees with package.json, Chart.yaml or CHANGELOG.md', () => {
    const check = release.jobs.version.steps.find((s: { id?: string }) => s.id === 'check').run as string
    for (const source of ['package.json', 'Chart.yaml version', 'Chart.yaml appVersion', 'CHANGELOG.md'])
      expect(check).toContain(source)
  })
})

describe('project hygiene', () => {
  it('ships the exact text of the Mozilla Public License 2.0, which package.json and the chart name', () => {
    // The canonical text (mozilla.org/media/MPL/2.0/index.txt), byte for byte.
    expect(
      createHash('sha256')
        .update(readFileSync(join(ROOT, 'LICENSE')))
        .digest('hex'),
    ).toBe('fab3dd6bdab226f1c08630b1dd917e11fcb4ec5e1e020e2c16f83a0a13863e85')
    expect(pkg.license).toBe('MPL-2.0')
    expect(read('charts/fxa-gate/Chart.yaml')).toContain('artifacthub.io/license: MPL-2.0')
  })

  it('keeps a changelog in the Keep a Changelog form', () => {
    const changelog = read('CHANGELOG.md')
    expect(changelog.startsWith('# Changelog\n')).toBe(true)
    expect(changelog).toContain('[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)')
    const versions = [...changelog.matchAll(/^## (.+)$/gm)].map((m) => m[1] ?? '')
    expect(versions[0]).toBe('[Unreleased]')
    for (const heading of versions.slice(1))
      expect(heading).toMatch(/^\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/)
    for (const section of [...changelog.matchAll(/^### (.+)$/gm)].map((m) => m[1]))
      expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(section)
    for (const version of versions.map((v) => /^\[([^\]]+)\]/.exec(v)?.[1]))
      expect(changelog, `link for ${version}`).toMatch(new RegExp(`^\\[${version}\\]: https://`, 'm'))
  })
})
