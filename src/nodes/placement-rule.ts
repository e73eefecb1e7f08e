import type { ReleasePolicy } from '../services/registry.ts'

/**
 * The placement rule, as data and pure functions: what the memory store runs, and what the Redis
 * store's Lua script does step for step (one contract suite holds both to it).
 *
 * - A user's node is kept while it is up.
 * - A new user goes to the least-loaded available node: up, users < capacity, and a release budget
 *   left. Load is users / capacity; ties go to fewer users,
 *   then to the node added first.
 * - The budget: a node takes at most `step = ceil(capacity × rate)` new users per release. When it
 *   is spent, the next release comes once `interval` has passed since the last one (and never
 *   exceeds the room left). Until then the node takes no new user: an exhaustion attack (new
 *   accounts in a loop) gets `step` users per node per interval, no more.
 * - A user whose node was downed or removed moves to the least-loaded node with room, budget or not
 *   (they are not new), and stays there.
 * - Nothing available: "full", with how long until the next release could help (the interval when
 *   no node has room at all: only an operator can help then).
 */
export interface StoredNode {
  capacity: number
  users: number
  available: number
  releasedAt: number
  down: boolean
  generation: number
}

/** New users a node takes per release. The epsilon keeps 100 × 0.1 at 10 (floating point). */
export function releaseStep(capacity: number, rate: number): number {
  return Math.max(1, Math.ceil(capacity * rate - 1e-9))
}

export function freshNode(
  capacity: number,
  release: ReleasePolicy,
  now: number,
  generation: number,
): StoredNode {
  return {
    capacity,
    users: 0,
    available: Math.min(releaseStep(capacity, release.rate), capacity),
    releasedAt: now,
    down: false,
    generation,
  }
}

export type Choice = { readonly url: string; readonly node: StoredNode } | { readonly retryAfterMs: number }

/**
 * Chooses a node and returns its new state, with the user counted on it (the caller stores it;
 * nothing else changes: a release computed for a node that is not chosen is not kept). `moving`:
 * the user had a node that went away, so budgets do not apply.
 */
export function placeUser(
  nodes: ReadonlyMap<string, Readonly<StoredNode>>,
  now: number,
  release: ReleasePolicy,
  moving: boolean,
): Choice {
  let best: string | undefined
  let bestNode: StoredNode | undefined
  let nextRelease: number | undefined
  for (const [url, stored] of nodes) {
    if (stored.down || stored.users >= stored.capacity) continue
    const node = { ...stored }
    if (node.available <= 0 && now - node.releasedAt >= release.intervalMs) {
      node.available = Math.min(releaseStep(node.capacity, release.rate), node.capacity - node.users)
      node.releasedAt = now
    }
    if (!moving && node.available <= 0) {
      const at = node.releasedAt + release.intervalMs
      nextRelease = nextRelease === undefined ? at : Math.min(nextRelease, at)
      continue
    }
    if (bestNode === undefined || better(node, bestNode)) {
      best = url
      bestNode = node
    }
  }
  if (best === undefined || bestNode === undefined) {
    const wait = nextRelease === undefined ? release.intervalMs : nextRelease - now
    return { retryAfterMs: Math.max(1000, wait) }
  }
  bestNode.users += 1
  bestNode.available = Math.max(
    0,
    Math.min(bestNode.available - (moving ? 0 : 1), bestNode.capacity - bestNode.users),
  )
  return { url: best, node: bestNode }
}

function better(node: StoredNode, best: StoredNode): boolean {
  // Cross-multiplied: no division, so both stores compare exactly alike.
  const left = node.users * best.capacity
  const right = best.users * node.capacity
  if (left !== right) return left < right
  if (node.users !== best.users) return node.users < best.users
  return node.generation < best.generation
}
