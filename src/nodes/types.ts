import type { ReleasePolicy } from '../services/registry.ts'

/** A node of a service as the shared store keeps it. */
export interface NodeState {
  readonly url: string
  /** Most users the node may hold. */
  readonly capacity: number
  /** Users assigned to it now. */
  readonly users: number
  /** New users it may take before the next release (the brake on exhaustion). */
  readonly available: number
  /** When capacity was last released to it (ms since the epoch). */
  readonly releasedAt: number
  /** Downed by an operator: takes no user, and its users move on their next request. */
  readonly down: boolean
  /** Changes each time the node is added, so users of a removed node never come back to a new one. */
  readonly generation: number
}

/** Where a user was placed. */
export type Assignment =
  /** `kept`: their node; `new`: a first node; `moved`: their node was downed or removed. */
  | { readonly kind: 'kept' | 'new' | 'moved'; readonly node: string; readonly generation: number }
  /** No node can take the user now; try again after `retryAfterMs`. */
  | { readonly kind: 'full'; readonly retryAfterMs: number }
  /** The service has no node (none configured, or every one removed). */
  | { readonly kind: 'none' }

export type NodeChange = 'added' | 'exists' | 'changed' | 'missing'

/**
 * The node assignments of every service, shared by every replica (Redis), or kept in this process
 * (memory, one replica). Every operation on one service is atomic. Both stores pass one contract
 * suite (test/contract/node-store.contract.ts).
 */
export interface NodeStore {
  readonly shared: boolean
  /** The user's node, kept when it is up; else the least-loaded available node (see docs/services.md). */
  assign(service: string, uid: string, release: ReleasePolicy): Promise<Assignment>
  /** The user's current node, without assigning one (undefined when none, or it is down or gone). */
  current(service: string, uid: string): Promise<string | undefined>
  /** Forgets the user's node (account deleted), freeing its place. */
  release(service: string, uid: string): Promise<void>
  list(service: string): Promise<NodeState[]>
  add(service: string, url: string, capacity: number, release: ReleasePolicy): Promise<NodeChange>
  /** Adds a configured node unless it was added (or removed by an operator) before. */
  seed(service: string, url: string, capacity: number, release: ReleasePolicy): Promise<'added' | 'known'>
  remove(service: string, url: string): Promise<NodeChange>
  setDown(service: string, url: string, down: boolean): Promise<NodeChange>
  setCapacity(service: string, url: string, capacity: number): Promise<NodeChange>
  /** Tells every replica that a service's nodes changed (operator commands). */
  announce(service: string): Promise<void>
  /**
   * Called with a service's name when any replica announced a change to its nodes, and with
   * undefined when announcements may have been missed (any service may have changed).
   */
  onChange(listener: (service: string | undefined) => void): () => void
  /** Whether announcements can have been missed (pub/sub down): local copies are not trusted then. */
  changesLive(): boolean
  ping(): Promise<void>
  close(): Promise<void>
}
