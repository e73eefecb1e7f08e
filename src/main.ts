#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { revokeUserCommand } from './admin/revoke-command.ts'
import { buildGate } from './app.ts'
import type { Config } from './config/derive.ts'
import { formatProblems, loadConfig } from './config/load.ts'
import { createLogger } from './observability/logger.ts'
import { createMetrics } from './observability/metrics.ts'
import { openStores } from './storage/open-stores.ts'

const USAGE = `Usage: fxa-gate [serve] [--config file.yaml]
       fxa-gate check-config [--config file.yaml]
       fxa-gate sessions revoke --user <uid> [--config file.yaml]

Configuration comes from FXA_GATE_* environment variables and, optionally, a YAML file
(environment wins). Secrets may be given as FXA_GATE_<NAME>_FILE. See README.md.`

function readConfiguration(configPath: string | undefined): Config {
  let yaml: string | undefined
  if (configPath !== undefined) {
    try {
      yaml = readFileSync(configPath, 'utf8')
    } catch (error) {
      fail(`cannot read the configuration file ${configPath}: ${(error as NodeJS.ErrnoException).code}`)
    }
  }
  const result = loadConfig({ env: process.env, yaml, readFile: (path) => readFileSync(path, 'utf8') })
  if (!result.ok)
    fail(`invalid configuration (${result.problems.length} problems):\n${formatProblems(result.problems)}`)
  return result.config
}

function fail(message: string): never {
  process.stderr.write(`fxa-gate: ${message}\n`)
  process.exit(2)
}

async function serve(config: Config): Promise<void> {
  const logger = createLogger({ level: config.logLevel })
  const metrics = createMetrics()
  const stores = openStores(config, { logger, metrics })
  const store = stores.sessions
  const gate = buildGate(config, {
    store,
    tokenStore: stores.tokens,
    eventState: stores.events,
    logger,
    metrics,
  })
  gate.start()
  await gate.app.listen({ host: config.listen.host, port: config.listen.port })
  await gate.admin.listen({ host: config.adminListen.host, port: config.adminListen.port })
  logger.info({ publicUrl: config.publicUrl, store: store.shared ? 'redis' : 'memory' }, 'fxa-gate started')

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    const timer = setTimeout(() => process.exit(1), 10_000).unref()
    await gate.close()
    await stores.close()
    clearTimeout(timer)
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
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
  const config = readConfiguration(values.config ?? process.env['FXA_GATE_CONFIG'])
  switch (command) {
    case 'serve':
      return serve(config)
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
