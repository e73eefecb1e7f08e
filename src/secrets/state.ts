import { type AssertionSigners, assertionSignersFromConfig } from '../assertion/setup.ts'
import type { Config } from '../config/derive.ts'
import { deriveKeyring, type Keyring } from '../crypto/keyring.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'

export interface Keys {
  readonly cookie: Keyring
  readonly seal: Keyring
  readonly login: Keyring
  /** The MACs of what Redis holds: session records, cached bearer-token results. */
  readonly record: Keyring
  readonly tokenCache: Keyring
  /** The public ids of sessions on the user's list of them (user-sessions/handles.ts). */
  readonly handle: Keyring
  /** The note of a refusal behind ingress-nginx (pages/denial-note.ts). */
  readonly denial: Keyring
}

/**
 * Everything fxa-gate derives from its secrets, immutable: a rotation builds a new state and
 * swaps it in whole (like pomerium's authenticate state), so a request reads one consistent set
 * of keys, never half of an old one and half of a new one.
 */
export interface SecretState {
  readonly keys: Keys
  /** The assertion signers of every service and the global settings (one key). */
  readonly assertions: AssertionSigners
  readonly clientSecret: string | undefined
  readonly adminToken: string | undefined
  readonly webhookSecret: string | undefined
  readonly redisPassword: string | undefined
  /** The configuration the state was built from (only its secret keys differ between states). */
  readonly config: Config
}

export interface SecretDeps {
  readonly clock: () => number
  readonly metrics: Metrics
  readonly logger: Logger
}

/** Every keyring fxa-gate derives from its cookie secrets. */
export function deriveKeys(secrets: readonly string[]): Keys {
  return {
    cookie: deriveKeyring(secrets, 'session-cookie'),
    seal: deriveKeyring(secrets, 'token-seal'),
    login: deriveKeyring(secrets, 'login-state'),
    record: deriveKeyring(secrets, 'session-record'),
    tokenCache: deriveKeyring(secrets, 'token-cache'),
    handle: deriveKeyring(secrets, 'session-handle'),
    denial: deriveKeyring(secrets, 'denial-note'),
  }
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((value, i) => value === b[i])

/**
 * The state for `config`. Parts whose secrets did not change are taken from `previous`: keyrings
 * stay the same objects (caches keyed on them stay valid), and a generated assertion key survives
 * a rotation of something else.
 */
export function buildSecretState(config: Config, deps: SecretDeps, previous?: SecretState): SecretState {
  const keys =
    previous !== undefined && sameList(previous.config.cookieSecrets, config.cookieSecrets)
      ? previous.keys
      : deriveKeys(config.cookieSecrets)
  const assertions =
    previous !== undefined &&
    previous.config.assertionKey === config.assertionKey &&
    previous.config.assertionPreviousKeys === config.assertionPreviousKeys
      ? previous.assertions
      : assertionSignersFromConfig(config, deps)
  return Object.freeze({
    keys,
    assertions,
    clientSecret: config.clientSecret,
    adminToken: config.adminToken,
    webhookSecret: config.eventsWebhookSecret,
    redisPassword: config.redisPassword,
    config,
  })
}

/** The current secret state, swapped atomically; listeners hear of each new state. */
export interface SecretHolder {
  current(): SecretState
  /** Builds the state for a reloaded configuration and swaps it in. Returns the names of the secrets that changed. */
  replace(config: Config): string[]
  onChange(listener: (state: SecretState, previous: SecretState) => void): void
}

export function createSecretHolder(config: Config, deps: SecretDeps): SecretHolder {
  let state = buildSecretState(config, deps)
  const listeners: ((state: SecretState, previous: SecretState) => void)[] = []
  return {
    current: () => state,
    replace(next) {
      const previous = state
      const changed = changedSecrets(previous.config, next)
      if (changed.length === 0) return changed
      state = buildSecretState(next, deps, previous)
      for (const listener of listeners) listener(state, previous)
      return changed
    },
    onChange(listener) {
      listeners.push(listener)
    },
  }
}

/** Names of the keys whose values differ; values themselves are never returned or logged. */
export function changedSecrets(before: Config, after: Config): string[] {
  const names = Object.keys(after) as (keyof Config)[]
  return names.filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]))
}
