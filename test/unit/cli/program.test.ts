import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../../src/cli/commands.ts'
import { buildProgram, runCli } from '../../../src/cli/program.ts'
import type { CliContext } from '../../../src/cli/types.ts'

function context(env: Record<string, string> = {}) {
  const out = { stdout: '', stderr: '' }
  const ctx: Omit<CliContext, 'exit'> = {
    env,
    stdin: (async function* () {})(),
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
      throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' })
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
})
