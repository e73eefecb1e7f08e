import type { Config } from '../config/derive.ts'
import { MAX_NODE_CAPACITY } from '../config/services-schema.ts'
import { GateError } from '../errors.ts'
import { createLogger } from '../observability/logger.ts'
import { createMetrics } from '../observability/metrics.ts'
import type { Service } from '../services/registry.ts'
import { compileServices } from '../services/registry.ts'
import { openStores } from '../storage/open-stores.ts'
import { canonicalNodeUrl } from './node-url.ts'
import type { NodeChange, NodeState, NodeStore } from './types.ts'

export type NodesAction = 'list' | 'add' | 'remove' | 'down' | 'up' | 'capacity'

export interface NodesRequest {
  readonly action: NodesAction
  readonly service: string
  readonly node?: string | undefined
  readonly capacity?: string | undefined
  readonly json?: boolean | undefined
}

export interface NodesOutput {
  write(text: string): void
}

/** A refusal before anything is changed: the message, and exit code 2 (usage) or 1 (failure). */
class Refusal extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode: number) {
    super(message)
    this.exitCode = exitCode
  }
}

const NEEDS_NODE: readonly NodesAction[] = ['add', 'remove', 'down', 'up', 'capacity']
const NEEDS_CAPACITY: readonly NodesAction[] = ['add', 'capacity']

function checked(
  config: Config,
  request: NodesRequest,
): { service: Service; url?: string; capacity?: number } {
  if (config.redisUrl === undefined)
    throw new Refusal(
      'nodes are kept in Redis: set FXA_GATE_REDIS_URL (without it each gate keeps its own, in memory)',
      2,
    )
  const registry = compileServices(config)
  const service = registry.byName(request.service)
  if (service === undefined) {
    const known = registry.services.map((entry) => entry.name).join(', ') || 'none configured'
    throw new Refusal(`unknown service "${request.service}" (services: ${known})`, 2)
  }
  let url: string | undefined
  if (NEEDS_NODE.includes(request.action)) {
    if (request.node === undefined) throw new Refusal(`nodes ${request.action} needs --node URL`, 2)
    const canonical = canonicalNodeUrl(request.node)
    if ('problem' in canonical) throw new Refusal(`--node ${request.node}: ${canonical.problem}`, 2)
    url = canonical.url
  }
  let capacity: number | undefined
  if (NEEDS_CAPACITY.includes(request.action)) {
    capacity = Number(request.capacity)
    if (
      request.capacity === undefined ||
      !/^[0-9]+$/.test(request.capacity) ||
      capacity < 1 ||
      capacity > MAX_NODE_CAPACITY
    )
      throw new Refusal(
        `nodes ${request.action} needs --capacity N (a whole number from 1 to ${MAX_NODE_CAPACITY})`,
        2,
      )
  }
  return { service, ...(url === undefined ? {} : { url }), ...(capacity === undefined ? {} : { capacity }) }
}

function table(nodes: readonly NodeState[]): string {
  if (nodes.length === 0) return 'no nodes\n'
  const rows = [
    ['NODE', 'STATE', 'USERS', 'CAPACITY', 'AVAILABLE'],
    ...nodes.map((node) => [
      node.url,
      node.down ? 'down' : 'up',
      String(node.users),
      String(node.capacity),
      String(node.available),
    ]),
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  )
}

const DONE: Record<Exclude<NodesAction, 'list'>, string> = {
  add: 'added',
  remove: 'removed; its users move to other nodes on their next request',
  down: 'downed; its users move to other nodes on their next request',
  up: 'up; it takes users again (those who moved stay where they are)',
  capacity: 'capacity changed (nobody moves)',
}

async function apply(
  store: NodeStore,
  service: Service,
  action: Exclude<NodesAction, 'list'>,
  url: string,
  capacity: number | undefined,
): Promise<NodeChange> {
  switch (action) {
    case 'add':
      return store.add(service.name, url, capacity!, service.release)
    case 'remove':
      return store.remove(service.name, url)
    case 'down':
      return store.setDown(service.name, url, true)
    case 'up':
      return store.setDown(service.name, url, false)
    case 'capacity':
      return store.setCapacity(service.name, url, capacity!)
  }
}

/**
 * `fxa-gate nodes list|add|remove|down|up|capacity --service S [--node URL] [--capacity N]`: manages a
 * service's nodes in the shared Redis, and tells every running replica at once (pub/sub). Builds no
 * gate: the configured stores (their connections) and the node store. Returns the exit code.
 */
export async function nodesCommand(
  config: Config,
  request: NodesRequest,
  out: NodesOutput,
  err: NodesOutput,
): Promise<number> {
  let target: ReturnType<typeof checked>
  try {
    target = checked(config, request)
  } catch (error) {
    if (!(error instanceof Refusal)) throw error
    err.write(`fxa-gate: ${error.message}\n`)
    return error.exitCode
  }
  const { service, url, capacity } = target
  const logger = createLogger({ level: 'error', destination: process.stderr })
  const stores = openStores(config, { logger, metrics: createMetrics({ defaultMetrics: false }) })
  const store = stores.nodes
  try {
    await stores.redis!.ready(10_000)
    if (request.action === 'list') {
      const nodes = await store.list(service.name)
      out.write(request.json ? `${JSON.stringify(nodes)}\n` : table(nodes))
      return 0
    }
    const change = await apply(store, service, request.action, url!, capacity)
    if (change === 'exists') {
      err.write(
        `fxa-gate: node ${url} of service ${service.name} exists already (change it with nodes capacity)\n`,
      )
      return 1
    }
    if (change === 'missing') {
      err.write(`fxa-gate: service ${service.name} has no node ${url} (see nodes list)\n`)
      return 1
    }
    await store.announce(service.name)
    out.write(`node ${url} of service ${service.name}: ${DONE[request.action]}\n`)
    return 0
  } catch (error) {
    const code = error instanceof GateError ? error.code : (error as Error).message
    err.write(`fxa-gate: nodes ${request.action} failed: ${code}\n`)
    return 1
  } finally {
    await stores.close()
  }
}
