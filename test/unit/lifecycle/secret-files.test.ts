import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Config } from '../../../src/config/derive.ts'
import { loadConfig } from '../../../src/config/load.ts'
import { watchSecretFiles } from '../../../src/lifecycle/secret-files.ts'
import { createLogger } from '../../../src/observability/logger.ts'
import { createMetrics } from '../../../src/observability/metrics.ts'

const PATH = '/run/secrets/cookie-secrets'
const OLD = 'o'.repeat(40)
const NEW = 'n'.repeat(40)

/** One secret file whose content the test changes, and a configuration loaded from it. */
function world(initial: string) {
  let content = initial
  const env = {
    FXA_GATE_CLIENT_ID: 'c',
    FXA_GATE_PUBLIC_URL: 'https://gate.example.test',
    FXA_GATE_FXA_OAUTH_URL: 'https://oauth.example.test/v1',
    FXA_GATE_COOKIE_SECRETS_FILE: PATH,
  }
  const load = () => loadConfig({ env, readFile: () => content })
  const first = load()
  if (!first.ok) throw new Error(JSON.stringify(first.problems))
  const applied: (readonly string[])[] = []
  const stop = watchSecretFiles({
    env,
    load,
    apply: (config: Config) => {
      applied.push(config.cookieSecrets)
      return ['cookieSecrets']
    },
    running: first.config,
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    intervalMs: 1_000,
    read: async () => content,
  })
  return {
    applied,
    stop,
    write(text: string) {
      content = text
    },
  }
}

describe('watchSecretFiles', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('applies a file that is still being written only once it has stopped changing', async () => {
    vi.useFakeTimers()
    const files = world(OLD)
    await vi.advanceTimersByTimeAsync(1_000)
    // `echo "$NEW,$OLD" > file` is not atomic: a poll can see the first secret without the second,
    // which validates and would end every session signed with the old one.
    files.write(`${NEW},`)
    await vi.advanceTimersByTimeAsync(1_000)
    files.write(`${NEW},${OLD}`)
    await vi.advanceTimersByTimeAsync(3_000)
    files.stop()
    expect(files.applied).toEqual([[NEW, OLD]])
  })

  it('applies a changed file within two polls', async () => {
    vi.useFakeTimers()
    const files = world(OLD)
    await vi.advanceTimersByTimeAsync(1_000)
    files.write(NEW)
    await vi.advanceTimersByTimeAsync(2_000)
    files.stop()
    expect(files.applied).toEqual([[NEW]])
  })
})
