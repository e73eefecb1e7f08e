import type { FastifyServerOptions } from 'fastify'

function refuse(): never {
  throw new Error('fxa-gate routes declare no schemas: validate with the config schema or by hand')
}

/**
 * fastify's schema compilers for apps whose routes declare no schema (fxa-gate validates its own
 * input where it reads it). Without them fastify loads ajv and fast-json-stringify at start, about a
 * hundred modules that would never run; a route given a schema now fails at start-up.
 */
export const NO_SCHEMAS: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: { buildValidator: () => refuse, buildSerializer: () => refuse },
}
