import { z } from 'zod'
import { canonicalNodeUrl } from '../nodes/node-url.ts'
import { parseHostPattern, patternsOverlap } from '../services/hosts.ts'
import { durationSchema } from './duration.ts'

const within = (minMs: number, maxMs: number, text: string) =>
  durationSchema.refine((ms) => ms >= minMs && ms <= maxMs, `must be between ${text}`)

const hostPattern = z.string().transform((raw, ctx) => {
  const pattern = parseHostPattern(raw)
  if (typeof pattern === 'string') {
    ctx.addIssue({ code: 'custom', message: pattern })
    return z.NEVER
  }
  return pattern
})

const nodeUrl = z.string().transform((raw, ctx) => {
  const canonical = canonicalNodeUrl(raw)
  if ('problem' in canonical) {
    ctx.addIssue({ code: 'custom', message: canonical.problem })
    return z.NEVER
  }
  return canonical.url
})

/** How many users a node may hold at most: a bound, not a target. */
export const MAX_NODE_CAPACITY = 10_000_000

const node = z
  .object({
    url: nodeUrl,
    capacity: z.number().int().min(1).max(MAX_NODE_CAPACITY),
  })
  .strict()

/** One service behind the gate (docs/services.md). */
export const serviceSchema = z
  .object({
    name: z
      .string()
      .max(63)
      .regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and - only'),
    hosts: z.array(hostPattern).default([]),
    audience: z.string().min(1).max(256),
    assertionTtl: within(5_000, 3_600_000, '5s and 1h').optional(),
    tokenTtl: within(10_000, 86_400_000, '10s and 24h').prefault('5m'),
    requiredScopes: z.array(z.string().min(1)).default([]),
    allowedClients: z.array(z.string().min(1)).min(1).optional(),
    webhookUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    nodes: z.array(node).default([]),
    releaseRate: z.number().gt(0).max(1).default(0.1),
    releaseInterval: within(1_000, 86_400_000, '1s and 24h').prefault('60s'),
  })
  .strict()

export type ServiceSpec = z.output<typeof serviceSchema>

/**
 * The `services` list: no name twice, no host in two services (by pattern: `*.example.com` claims
 * `app.example.com`), no node twice in a service. Each problem names both services.
 */
export const servicesSchema = z
  .array(serviceSchema)
  .superRefine((services, ctx) => {
    const names = new Map<string, number>()
    services.forEach((service, i) => {
      const first = names.get(service.name)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `service name "${service.name}" is used twice (services[${first}] and services[${i}])`,
        })
      } else names.set(service.name, i)
    })
    services.forEach((service, i) => {
      service.hosts.forEach((pattern, h) => {
        for (let j = 0; j < i; j++) {
          const other = services[j]!
          const clash = other.hosts.find((candidate) => patternsOverlap(pattern, candidate))
          if (clash === undefined || other.name === service.name) continue
          ctx.addIssue({
            code: 'custom',
            path: [i, 'hosts', h],
            message: `host ${pattern.text} of service "${service.name}" overlaps host ${clash.text} of service "${other.name}": a host belongs to one service only`,
          })
        }
      })
      const urls = new Set<string>()
      service.nodes.forEach((entry, n) => {
        if (urls.has(entry.url))
          ctx.addIssue({
            code: 'custom',
            path: [i, 'nodes', n, 'url'],
            message: `node ${entry.url} is listed twice`,
          })
        urls.add(entry.url)
      })
    })
  })
  .default([])

/**
 * What a service entry must not share with the rest of the configuration: its audience is its own
 * (an assertion made for one service, or for the global settings, must never verify for another),
 * and webhook calls are signed with the one webhook secret.
 */
export function serviceProblems(
  services: readonly ServiceSpec[],
  globalAudience: string,
  webhookSecretSet: boolean,
): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = []
  const audiences = new Map<string, string>()
  for (const service of services) {
    if (service.audience === globalAudience) {
      problems.push({
        key: 'services',
        message: `service "${service.name}" has the audience of the global assertions (${globalAudience}); give it its own`,
      })
    }
    const other = audiences.get(service.audience)
    if (other !== undefined && other !== service.name) {
      problems.push({
        key: 'services',
        message: `services "${other}" and "${service.name}" have the same audience; each service needs its own`,
      })
    }
    audiences.set(service.audience, service.name)
    if (service.webhookUrls.length > 0 && !webhookSecretSet) {
      problems.push({
        key: 'eventsWebhookSecret',
        message: `is required when service "${service.name}" has webhookUrls (webhook calls are signed)`,
      })
    }
  }
  return problems
}
