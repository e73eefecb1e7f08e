import { z } from 'zod'

const port = z.looseObject({
  name: z.string().optional(),
  containerPort: z.number().int(),
  protocol: z.string().optional(),
})
const container = z.looseObject({ name: z.string(), ports: z.array(port).optional() })

/**
 * The parts of a pod spec the mutation reads, with their types. The API server decodes pods into
 * typed objects before any webhook sees them; YAML from `inject -f` gets the same guarantee here.
 */
const podSpec = z.looseObject({
  containers: z.array(container),
  initContainers: z.array(container).optional(),
  volumes: z.array(z.looseObject({ name: z.string() })).optional(),
  hostNetwork: z.boolean().optional(),
})

/** The first problem of a pod spec's shape, as `path: message`, or undefined when it is usable. */
export function podSpecProblem(spec: unknown): string | undefined {
  const result = podSpec.safeParse(spec)
  if (result.success) return undefined
  const issue = result.error.issues[0]
  return issue === undefined ? 'invalid' : `spec.${issue.path.join('.')}: ${issue.message}`
}
