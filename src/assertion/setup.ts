import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/derive.ts'
import type { Logger } from '../observability/logger.ts'
import type { Metrics } from '../observability/metrics.ts'
import { compileServices, type Service } from '../services/registry.ts'
import {
  generateSigningKey,
  type PublicJwk,
  parsePublicKeys,
  parseSigningKey,
  type SigningKey,
} from './keys.ts'
import { type AssertionSigner, createAssertionSigner } from './signer.ts'

/** Every assertion signer: one per service (its audience and lifetime) and the global one, one key. */
export interface AssertionSigners {
  /** The signer of a service's X-User-Assertion; the global settings' for null. */
  signerFor(service: Service | null): AssertionSigner
  /** The key every assertion and service token is signed with. */
  readonly key: SigningKey
  /** The `iss` of assertions and service tokens: the public URL. */
  readonly issuer: string
  /** The one JWK Set: the signing key first, then the other published keys. */
  readonly jwks: { readonly keys: readonly PublicJwk[] }
  /** True when the key was generated at start (no key configured). */
  readonly ephemeral: boolean
}

/**
 * The assertion signers from configuration (keys were validated with it). Without a configured key
 * a P-256 key is generated: assertions then verify only against this replica's JWKS until it
 * restarts.
 */
export function assertionSignersFromConfig(
  config: Config,
  deps: { clock: () => number; metrics: Metrics; logger: Logger },
): AssertionSigners {
  const services = compileServices(config)
  const configured = config.assertionKey === undefined ? undefined : parseSigningKey(config.assertionKey)
  if (configured === undefined) {
    deps.logger.warn(
      'FXA_GATE_ASSERTION_KEY is not set: X-User-Assertion is signed with a key generated at start; replicas do not share it and it changes at each restart',
    )
  }
  const issuer = config.publicUrl.replace(/\/+$/, '')
  const key = configured?.key ?? generateSigningKey()
  const published = [...(configured?.published ?? []), ...parsePublicKeys(config.assertionPreviousKeys ?? '')]
  const build = (audience: string, ttlMs: number) =>
    createAssertionSigner({
      key,
      published,
      issuer,
      audience,
      ttlMs,
      clock: deps.clock,
      ephemeral: configured === undefined,
      onSign: () => deps.metrics.assertionsSigned.inc(),
    })
  const global = build(config.assertionAudience ?? issuer, config.assertionTtl)
  const byService = new Map(
    services.services.map((service) => [service.name, build(service.audience, service.assertionTtlMs)]),
  )
  return {
    signerFor(service) {
      if (service === null) return global
      const signer = byService.get(service.name)
      // Never another audience's signer: the assertion would verify for a service it was not made for.
      if (signer === undefined) throw new Error(`no assertion signer for service ${service.name}`)
      return signer
    },
    key,
    issuer,
    jwks: global.jwks,
    ephemeral: configured === undefined,
  }
}

/** `GET <prefix>/jwks.json` (and `/jwks.json` on the admin listener): the keys that verify X-User-Assertion. */
export function createJwksHandler(signers: Pick<AssertionSigners, 'jwks'>) {
  // Serialized once per key set (a rotation swaps the set).
  let keys = signers.jwks
  let body = JSON.stringify(keys)
  return async function jwks(_request: FastifyRequest, reply: FastifyReply) {
    if (signers.jwks !== keys) {
      keys = signers.jwks
      body = JSON.stringify(keys)
    }
    // Short enough that a rotation's new key is seen soon; verifiers refetch on an unknown kid anyway.
    return reply.header('cache-control', 'public, max-age=300').type('application/json').send(body)
  }
}
