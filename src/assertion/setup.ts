import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/derive.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { generateSigningKey, parsePublicKeys, parseSigningKey } from './keys.ts'
import { type AssertionSigner, createAssertionSigner } from './signer.ts'

/**
 * The assertion signer from configuration (keys were validated with it). Without a configured key a
 * P-256 key is generated: assertions then verify only against this replica's JWKS until it restarts.
 */
export function assertionSignerFromConfig(
  config: Config,
  deps: { clock: () => number; metrics: Metrics; logger: Logger },
): AssertionSigner {
  const configured = config.assertionKey === undefined ? undefined : parseSigningKey(config.assertionKey)
  if (configured === undefined) {
    deps.logger.warn(
      'FXA_GATE_ASSERTION_KEY is not set: X-User-Assertion is signed with a key generated at start; replicas do not share it and it changes at each restart',
    )
  }
  const base = config.publicUrl.replace(/\/+$/, '')
  return createAssertionSigner({
    key: configured?.key ?? generateSigningKey(),
    published: [...(configured?.published ?? []), ...parsePublicKeys(config.assertionPreviousKeys ?? '')],
    issuer: base,
    audience: config.assertionAudience ?? base,
    ttlMs: config.assertionTtl,
    clock: deps.clock,
    ephemeral: configured === undefined,
    onSign: () => deps.metrics.assertionsSigned.inc(),
  })
}

/** `GET <prefix>/jwks.json` (and `/jwks.json` on the admin listener): the keys that verify X-User-Assertion. */
export function createJwksHandler(signer: AssertionSigner) {
  // Serialized once per key set (a rotation swaps the set).
  let keys = signer.jwks
  let body = JSON.stringify(keys)
  return async function jwks(_request: FastifyRequest, reply: FastifyReply) {
    if (signer.jwks !== keys) {
      keys = signer.jwks
      body = JSON.stringify(keys)
    }
    // Short enough that a rotation's new key is seen soon; verifiers refetch on an unknown kid anyway.
    return reply.header('cache-control', 'public, max-age=300').type('application/json').send(body)
  }
}
