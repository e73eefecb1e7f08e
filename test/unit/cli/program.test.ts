import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { COMMANDS } from '../../../src/cli/commands.ts'
import { buildProgram, runCli } from '../../../src/cli/program.ts'
import type { CliContext } from '../../../src/cli/types.ts'
import { IMAGE } from '../injector/fixtures.ts'

function context(env: Record<string, string> = {}, files: Record<string, string> = {}, stdin = '') {
  const out = { stdout: '', stderr: '' }
  const ctx: Omit<CliContext, 'exit'> = {
    env,
    stdin: (async function* () {
      if (stdin !== '') yield stdin
    })(),
    stdout: {
      write: (text) => {
        out.stdout += text
      },
    },
    stderr: {
      write: (text) => {
        out.stderr += text
      },
    },
    readFile: (path) => {
      const text = files[path]
      if (text === undefined) throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' })
      return text
    },
    version: '9.9.9-test',
    onSignal: () => {},
  }
  return { ctx, out }
}

describe('the command line', () => {
  it('registers one command per module, each with a description', () => {
    const { ctx } = context()
    const program = buildProgram({ ...ctx, exit: () => {} })
    expect(program.commands.map((c) => c.name())).toEqual([
      'serve',
      'check-config',
      'sessions',
      'nodes',
      'inject',
      'webhook',
    ])
    expect(program.commands).toHaveLength(COMMANDS.length)
    for (const command of program.commands) expect(command.description(), command.name()).not.toBe('')
  })

  it('runs serve when no command is named, global options included', async () => {
    const { ctx, out } = context()
    expect(await runCli(['--config', '/etc/nowhere.yaml'], ctx)).toBe(2)
    expect(out.stderr).toBe('fxa-gate: cannot read the configuration file /etc/nowhere.yaml: ENOENT\n')
  })

  it('treats usage errors as exit code 2 and help and the version as 0', async () => {
    const cases: [string[], number, RegExp][] = [
      [['check-config', '--frobnicate'], 2, /unknown option '--frobnicate'/],
      [['sessions', 'revoke'], 2, /required option '--user <uid>' not specified/],
      [['sessions'], 2, /Usage: fxa-gate sessions/],
      [['--version'], 0, /^9\.9\.9-test\n$/],
      [['help'], 0, /Usage: fxa-gate \[options\] \[command\]/],
    ]
    for (const [args, code, pattern] of cases) {
      const { ctx, out } = context()
      expect(await runCli(args, ctx), args.join(' ')).toBe(code)
      expect(out.stdout + out.stderr, args.join(' ')).toMatch(pattern)
    }
  })

  it('reads the configuration file from FXA_GATE_CONFIG when --config is absent', async () => {
    const { ctx, out } = context({ FXA_GATE_CONFIG: '/etc/from-env.yaml' })
    expect(await runCli(['check-config'], ctx)).toBe(2)
    expect(out.stderr).toContain('/etc/from-env.yaml')
  })

  it('treats usage errors of inject as exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['inject'], /required option '-f, --file <file\.\.\.>' not specified/],
      [['inject', '-f', 'a.yaml', '--imag', IMAGE], /unknown option '--imag'/],
      [['help', 'inject'], /--no-native-sidecar/],
    ]
    for (const [args, pattern] of cases) {
      const { ctx, out } = context()
      expect(await runCli(args, ctx), args.join(' ')).toBe(args[0] === 'help' ? 0 : 2)
      expect(out.stdout + out.stderr, args.join(' ')).toMatch(pattern)
    }
  })
})

describe('inject and webhook, in process', () => {
  it('inject -f reads each named file through the context and prints them injected, in order', async () => {
    const { ctx, out } = context({}, { '/m/a.yaml': WORKLOAD('shop'), '/m/b.yaml': WORKLOAD('cart') })
    const code = await runCli(['inject', '-f', '/m/a.yaml', '/m/b.yaml', '--image', IMAGE], ctx)
    expect([code, out.stderr]).toEqual([0, ''])
    const docs = parseAllDocuments(out.stdout).map((doc) => doc.toJS())
    expect(docs.map((d) => d.metadata.name)).toEqual(['shop', 'cart'])
    for (const doc of docs) expect(doc.spec.template.spec.initContainers[0]).toMatchObject({ image: IMAGE })
  })

  it('inject --no-native-sidecar appends a container; without a flag the setting decides', async () => {
    const files = { '/m/a.yaml': WORKLOAD('shop') }
    const regular = context({}, files)
    expect(
      await runCli(['inject', '-f', '/m/a.yaml', '--image', IMAGE, '--no-native-sidecar'], regular.ctx),
    ).toBe(0)
    const [pod] = parseAllDocuments(regular.out.stdout).map((doc) => doc.toJS().spec.template.spec)
    expect(pod.initContainers).toBeUndefined()
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['shop', 'fxa-gate'])
    const fromEnv = context({ FXA_GATE_INJECT_IMAGE: IMAGE, FXA_GATE_INJECT_NATIVE_SIDECAR: 'false' }, files)
    expect(await runCli(['inject', '-f', '/m/a.yaml'], fromEnv.ctx)).toBe(0)
    expect(fromEnv.out.stdout).toBe(regular.out.stdout)
  })

  it('inject -f - reads standard input; a file it cannot read exits 1 naming it', async () => {
    const piped = context({}, {}, WORKLOAD('shop'))
    expect(await runCli(['inject', '-f', '-', '--image', IMAGE], piped.ctx)).toBe(0)
    expect(piped.out.stdout).toContain('name: fxa-gate')
    const missing = context()
    expect(await runCli(['inject', '-f', '/m/none.yaml', '--image', IMAGE], missing.ctx)).toBe(1)
    expect(missing.out.stderr).toBe('fxa-gate inject: cannot read /m/none.yaml: ENOENT\n')
    expect(missing.out.stdout).toBe('')
  })

  it('inject and webhook refuse --config: they read only their own variables', async () => {
    for (const args of [
      ['inject', '-f', '-', '--config', '/etc/fxa-gate.yaml'],
      ['--config', '/etc/fxa-gate.yaml', 'webhook'],
    ]) {
      const { ctx, out } = context(
        { FXA_GATE_INJECT_IMAGE: IMAGE },
        { '/etc/fxa-gate.yaml': 'clientId: x\n' },
      )
      expect(await runCli(args, ctx), args.join(' ')).toBe(2)
      expect(out.stderr).toMatch(
        /reads no --config file: its settings are the FXA_GATE_INJECT_\* and FXA_GATE_WEBHOOK_\* variables/,
      )
      expect(out.stdout).toBe('')
    }
  })

  it('webhook refuses to start without its settings (exit 2), needing none of the gate', async () => {
    const { ctx, out } = context()
    expect(await runCli(['webhook'], ctx)).toBe(2)
    expect(out.stderr).toContain('FXA_GATE_INJECT_IMAGE (injectImage): is required by the webhook')
    expect(out.stderr).not.toContain('FXA_GATE_CLIENT_ID')
  })
})

function WORKLOAD(name: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}}`,
    'spec:',
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}, annotations: {fxa-gate.io/inject: "true", fxa-gate.io/upstream-port: "8080"}}`,
    `    spec: {containers: [{name: ${name}, image: "${name}:1", ports: [{name: http, containerPort: 8080}]}]}`,
    '',
  ].join('\n')
}
