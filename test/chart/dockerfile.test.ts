import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './tools.ts'

interface Instruction {
  readonly op: string
  readonly args: string
}

interface Stage {
  readonly image: string
  readonly name: string | undefined
  readonly instructions: Instruction[]
}

/** Dockerfile instructions, continuation lines joined and comments dropped, grouped by stage. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  const args = new Map<string, string>()
  const stages: Stage[] = []
  for (const line of logical) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    const instruction = { op: op.toUpperCase(), args: rest }
    if (instruction.op === 'FROM') {
      const [, ref = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? []
      const image = ref.replace(/^\$\{?(\w+)\}?$/, (_, arg: string) => args.get(arg) ?? ref)
      stages.push({ image, name, instructions: [] })
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [name = '', value = ''] = rest.split('=')
      args.set(name, value)
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return { args, stages }
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const runtime = dockerfile.stages.at(-1)!
const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args)

describe('Dockerfile', () => {
  it('builds in an official Node 24 image and runs on a small Node 24 base', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2)
    expect(dockerfile.stages[0]?.image).toMatch(/^node:24[-.]/)
    expect(runtime.image).toMatch(/^gcr\.io\/distroless\/nodejs24-|^node:24[-.\w]*-(alpine|slim)/)
  })

  it('compiles with dev dependencies and ships production dependencies only', () => {
    const build = dockerfile.stages.find((s) => ops(s, 'RUN').some((r) => /npm run build/.test(r)))
    expect(build, 'a stage runs npm run build').toBeDefined()
    const copies = ops(runtime, 'COPY')
    const fromBuild = copies.filter((c) => c.includes(`--from=${build?.name}`))
    expect(fromBuild.map((c) => c.split(/\s+/).slice(1, -1).join(' '))).toEqual(['/app/dist'])
    const modules = copies.find((c) => /node_modules/.test(c))
    const depsName = /--from=(\S+)/.exec(modules ?? '')?.[1]
    const deps = dockerfile.stages.find((s) => s.name === depsName)
    expect(ops(deps!, 'RUN').join('\n')).toMatch(/npm ci [^\n]*--omit=dev/)
  })

  it('runs as a numeric non-root user', () => {
    const user = ops(runtime, 'USER').at(-1) ?? ''
    const [uid = '', gid = '0'] = user.split(':')
    expect(uid).toMatch(/^\d+$/)
    expect(Number(uid)).toBeGreaterThan(0)
    expect(Number(gid)).toBeGreaterThan(0)
  })

  it('starts node directly on the entry point that the build produces (package.json bin)', () => {
    const entrypoint = JSON.parse(ops(runtime, 'ENTRYPOINT').at(-1) ?? 'null') as string[]
    expect(entrypoint[0]).toMatch(/(^|\/)node$/)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>
      scripts: Record<string, string>
    }
    const workdir = ops(runtime, 'WORKDIR').at(-1)
    expect(entrypoint[1]).toBe(`${workdir}/${pkg.bin['fxa-gate']}`)
    // tsc -p tsconfig.build.json compiles src/ (rootDir) into dist/ (outDir): dist/main.js comes from src/main.ts.
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: Record<string, string>
    }
    expect(pkg.scripts['build']).toContain('tsconfig.build.json')
    const source = pkg.bin['fxa-gate']!.replace(
      `${build.compilerOptions['outDir']}/`,
      `${build.compilerOptions['rootDir']}/`,
    ).replace(/\.js$/, '.ts')
    expect(existsSync(join(ROOT, source)), source).toBe(true)
    expect(JSON.parse(ops(runtime, 'CMD').at(-1) ?? 'null')).toEqual(['serve'])
  })

  it('copies no secrets, tests or dev/ into any stage, and sends only an allow-list as build context', () => {
    for (const stage of dockerfile.stages) {
      for (const source of [...ops(stage, 'COPY'), ...ops(stage, 'ADD')]) {
        expect(source).not.toMatch(/(^|\s|\/)(dev|test|\.env|\.npmrc|secrets?)(\/|\s|$)|\.(pem|key)\b|^\.\s/)
      }
      for (const env of [...ops(stage, 'ENV'), ...ops(stage, 'ARG')])
        expect(env).not.toMatch(/SECRET|PASSWORD|TOKEN/i)
    }
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
    expect(ignore[0]).toBe('*')
    expect(ignore.slice(1).sort()).toEqual([
      '!package-lock.json',
      '!package.json',
      '!src/',
      '!tsconfig.build.json',
      '!tsconfig.json',
    ])
  })

  it('exposes the main and admin ports the chart probes', () => {
    expect(ops(runtime, 'EXPOSE').join(' ').split(/\s+/)).toEqual(['4180', '9180'])
  })
})
