#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { revokeUserCommand } from './admin/revoke-command.ts'
import type { Config } from './config/derive.ts'
import { type ConfigSources, formatProblems, loadConfig } from './config/load.ts'
import { serve } from './lifecycle/serve.ts'

const USAGE = `Usage: fxa-gate [serve] [--config file.yaml]
       fxa-gate check-config [--config file.yaml]
       fxa-gate sessions revoke --user <uid> [--config file.yaml]

Configuration comes from FXA_GATE_* environment variables and, optionally, a YAML file
(environment wins). Secrets may be given as FXA_GATE_<NAME>_FILE. See README.md.`

function readConfiguration(configPath: string | undefined): { config: Config; sources: ConfigSources } {
  let yaml: string | undefined
  if (configPath !== undefined) {
    try {
      yaml = readFileSync(configPath, 'utf8')
    } catch (error) {
      fail(`cannot read the configuration file ${configPath}: ${(error as NodeJS.ErrnoException).code}`)
    }
  }
  const sources: ConfigSources = { env: process.env, yaml, readFile: (path) => readFileSync(path, 'utf8') }
  const result = loadConfig(sources)
  if (!result.ok)
    fail(`invalid configuration (${result.problems.length} problems):\n${formatProblems(result.problems)}`)
  return { config: result.config, sources }
}

function fail(message: string): never {
  process.stderr.write(`fxa-gate: ${message}\n`)
  process.exit(2)
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
      user: { type: 'string' },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const command = positionals[0] ?? 'serve'
  const { config, sources } = readConfiguration(values.config ?? process.env['FXA_GATE_CONFIG'])
  switch (command) {
    case 'serve':
      return serve(config, sources)
    case 'check-config':
      process.stdout.write(
        `configuration OK (issuer ${config.issuer}, public URL ${config.publicUrl}, store ${config.redisUrl ? 'redis' : 'memory'})\n`,
      )
      return
    case 'sessions':
      if (positionals[1] !== 'revoke') fail(`unknown command sessions ${positionals[1] ?? ''}\n${USAGE}`)
      process.exitCode = await revokeUserCommand(config, values.user, process.stdout, process.stderr)
      return
    default:
      fail(`unknown command ${command}\n${USAGE}`)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`fxa-gate: ${(error as Error).message}\n`)
  process.exit(1)
})
