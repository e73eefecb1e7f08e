import { GateError } from '../errors.ts'

export type Query = Readonly<Record<string, string | string[] | undefined>>

/** One value of a query parameter; a repeated parameter is refused rather than guessed at. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name]
  if (Array.isArray(value)) throw new GateError('BAD_REQUEST', { detail: `repeated query parameter ${name}` })
  return value
}

// FxA's metrics parameters: the values its own validators accept, bounded.
const METRICS_VALUE = /^[\w/.%-]{1,128}$/
const EXPERIMENT = /^[\w.-]{1,128}$/

const PASS_THROUGH: Record<string, RegExp> = {
  action: /^(email|force_auth|signin|signup)$/,
  login_hint: /^[\x21-\x7e]{1,254}$/,
  email: /^[\x21-\x7e]{1,254}$/,
  prompt: /^(none|login|consent)$/,
  entrypoint: /^[A-Za-z0-9_.-]{1,64}$/,
  entrypoint_experiment: EXPERIMENT,
  entrypoint_variation: EXPERIMENT,
  acr_values: /^AAL2$/,
  // From FxA's /metrics-flow: a 32-byte hex id and its start time in ms.
  flow_id: /^[0-9a-f]{64}$/,
  flow_begin_time: /^[1-9]\d{0,15}$/,
  utm_campaign: METRICS_VALUE,
  utm_content: METRICS_VALUE,
  utm_medium: METRICS_VALUE,
  utm_source: METRICS_VALUE,
  utm_term: METRICS_VALUE,
}

/**
 * FxA's optional authorization parameters a login start may carry through (what a relying party
 * that starts logins is asked to send: flow and utm metrics, entrypoints); bad values are a 400.
 */
export function passThroughParameters(query: Query): Record<string, string> {
  const extra: Record<string, string> = {}
  for (const [name, pattern] of Object.entries(PASS_THROUGH)) {
    const value = single(query, name)
    if (value === undefined) continue
    if (!pattern.test(value)) throw new GateError('BAD_REQUEST', { detail: `invalid ${name}` })
    extra[name] = value
  }
  return extra
}
