import { readFile } from 'node:fs/promises'
import type { Config } from '../config/derive.ts'
import { type ConfigResult, formatProblems } from '../config/load.ts'
import { CONFIG_KEYS, envName } from '../config/schema.ts'
import { errorFields } from '../observability/error-fields.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

/** The `…_FILE` paths the environment names, by configuration key. */
export function secretFiles(env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const files = new Map<string, string>()
  for (const [name, def] of Object.entries(CONFIG_KEYS)) {
    if (!(def as { secret?: boolean }).secret) continue
    const path = env[`${envName(name)}_FILE`]
    if (path !== undefined && path !== '') files.set(name, path)
  }
  return files
}

/** Keys whose change takes effect without a restart (see secrets/state.ts and app.ts). */
const APPLIED_LIVE = new Set([
  'cookieSecrets',
  'assertionKey',
  'assertionPreviousKeys',
  'clientSecret',
  'adminToken',
  'eventsWebhookSecret',
  'redisPassword',
])

export interface SecretReloadOptions {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Loads the configuration again from the same sources (the secret files are read anew). */
  readonly load: () => ConfigResult
  /** Swaps the new secrets in; returns the names of the keys that changed. */
  readonly apply: (config: Config) => string[]
  readonly running: Config
  readonly logger: Logger
  readonly metrics: Metrics
  /** How often the files are read; a change applies within this. Default 2 s. */
  readonly intervalMs?: number
  readonly read?: (path: string) => Promise<string>
}

/**
 * Re-reads every `…_FILE` secret when its content changes, validates the whole configuration
 * again, and swaps the new secrets in. The files are polled: a Kubernetes Secret volume replaces
 * its files by swapping the `..data` symlink, which file watches on the old targets miss, while a
 * read through the path always sees the current version. A change that does not validate, or that
 * would change anything but secrets, is refused and the running secrets stay in force.
 */
export function watchSecretFiles(options: SecretReloadOptions): () => void {
  const files = secretFiles(options.env)
  if (files.size === 0) return () => {}
  const { logger, metrics } = options
  const read = options.read ?? ((path: string) => readFile(path, 'utf8'))
  const seen = new Map<string, string>()
  const unreadable = new Set<string>()
  let running = options.running
  let busy = false

  async function snapshot(): Promise<boolean> {
    let changed = false
    for (const [name, path] of files) {
      let text: string
      try {
        text = await read(path)
      } catch (error) {
        // Mid-swap, or gone: keep what runs; say so once per outage of that file.
        if (!unreadable.has(name))
          logger.warn(
            { key: name, env: `${envName(name)}_FILE`, ...errorFields(error) },
            'secret file unreadable',
          )
        unreadable.add(name)
        continue
      }
      unreadable.delete(name)
      if (seen.has(name) && seen.get(name) !== text) changed = true
      seen.set(name, text)
    }
    return changed
  }

  function reload(): void {
    const result = options.load()
    if (!result.ok) {
      metrics.secretReloads.inc({ outcome: 'rejected' })
      logger.error(
        { problems: result.problems.map((problem) => problem.env) },
        `changed secrets refused, the running ones stay in force:\n${formatProblems(result.problems)}`,
      )
      return
    }
    const next = result.config
    const moved = Object.keys(next).filter(
      (name) => JSON.stringify(running[name as keyof Config]) !== JSON.stringify(next[name as keyof Config]),
    )
    const notSecret = moved.filter((name) => !files.has(name))
    const needsRestart = moved.filter((name) => files.has(name) && !APPLIED_LIVE.has(name))
    if (notSecret.length > 0 || (running.clientSecret === undefined) !== (next.clientSecret === undefined)) {
      metrics.secretReloads.inc({ outcome: 'rejected' })
      logger.error(
        { keys: notSecret.length > 0 ? notSecret : ['clientSecret'] },
        'changed secrets refused: they would change more than secrets (a client secret cannot appear or go without a restart)',
      )
      return
    }
    const applied = options.apply(next)
    running = next
    metrics.secretReloads.inc({ outcome: 'applied' })
    logger.info({ keys: applied }, 'secrets reloaded from their files')
    if (needsRestart.length > 0)
      logger.warn({ keys: needsRestart }, 'these secrets take effect at the next restart')
  }

  const tick = async () => {
    if (busy) return
    busy = true
    try {
      if (await snapshot()) reload()
    } catch (error) {
      logger.error(errorFields(error), 'secret reload failed; the running secrets stay in force')
    } finally {
      busy = false
    }
  }
  void tick()
  const timer = setInterval(() => void tick(), options.intervalMs ?? 2_000)
  timer.unref()
  return () => clearInterval(timer)
}
